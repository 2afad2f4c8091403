import { sql } from "drizzle-orm";
import type { Queryable } from "./queryable";

/** Per state table, how many rows differ from the full recomputation: all zeros when the state is exact. */
export interface ComplianceStateDifferences {
  violations: number;
  extensions: number;
  groups: number;
}

/**
 * Compares the compliance state the triggers keep with the full recomputation from the base
 * tables (the `*_now` views of migration 0017), row for row in both directions, over every group
 * the caller sees. A full read of reports: for checks (tests, the bench), not a hot path.
 */
export async function complianceStateDifferences(db: Queryable): Promise<ComplianceStateDifferences> {
  const differ = (table: string) =>
    sql.raw(`(SELECT count(*) FROM (
      (TABLE ${table} EXCEPT ALL TABLE ${table}_now) UNION ALL (TABLE ${table}_now EXCEPT ALL TABLE ${table})) d)::int`);
  const result = await db.execute<{ violations: number; extensions: number; groups: number }>(
    sql`SELECT ${differ("compliance_violations")} AS violations, ${differ("compliance_extensions")} AS extensions,
      ${differ("compliance_groups")} AS groups`,
  );
  const row = result.rows[0];
  if (!row) throw new Error("complianceStateDifferences: the statement returned no row");
  return row;
}
