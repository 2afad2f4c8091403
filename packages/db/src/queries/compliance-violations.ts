import { type SQL, sql } from "drizzle-orm";
import { complianceViolations } from "../schema";
import { type ComplianceProblem, complianceProblems } from "./compliance-problems";
import type { Queryable } from "./queryable";

/** One live agent breaking one rule for one extension. */
export interface ComplianceViolation {
  /** `publisher.name`. */
  extensionId: string;
  problem: ComplianceProblem;
  agentId: string;
  machineId: string;
  /**
   * The user the violation is about: the agent's user for a missing extension, the report's user
   * for a blocked or wrong-version one (reports are kept per user; the agent named is the one that sent it).
   */
  userHash: string;
  /** What was reported (`null` for a missing extension). */
  installedVersion: string | null;
  /** The catalog's pinned version, when it has one. */
  pinnedVersion: string | null;
}

/** Where a page ends: the order of violations is (extension, problem, machine id, user hash). */
export type ViolationCursor = Pick<ComplianceViolation, "extensionId" | "problem" | "machineId" | "userHash">;

/** Which violations to list: every one by default. */
export interface ViolationFilter {
  problem?: ComplianceProblem;
  extensionId?: string;
}

/**
 * The violations of `groupId` matching `filter`, after `after`, in the order (extension id,
 * problem, machine id, user hash), at most `limit` (all without it): one range of an index of
 * compliance_violations, which the triggers keep equal to the rules (the primary key's order, or
 * compliance_violations_problem_idx's when one problem is asked for). A page at any depth reads
 * its own rows and stops; the export streams the same range without a sort.
 */
export function violationsQuery(
  groupId: string,
  filter: ViolationFilter = {},
  after?: ViolationCursor,
  limit?: number,
): SQL {
  // Column names spelled out (not drizzle's columns): the bench renders this with a plain dialect for COPY.
  const conditions: SQL[] = [sql`group_id = ${groupId}::uuid`];
  if (filter.extensionId !== undefined) conditions.push(sql`extension_id = ${filter.extensionId}`);
  if (filter.problem) conditions.push(sql`problem = ${filter.problem}`);
  if (after) conditions.push(afterCursor(after, filter.problem));
  return sql`
    SELECT extension_id, problem, agent_id, machine_id, user_hash, installed_version, pinned_version
    FROM ${complianceViolations}
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY extension_id, problem, machine_id, user_hash
    ${limit === undefined ? sql`` : sql`LIMIT ${limit}`}`;
}

/**
 * Rows after `after`, as a row comparison over the columns that follow the index's equality
 * prefix (so it is an index condition): all four, or, for one problem, the three others, the
 * cursor's own problem deciding whether its extension is still to come.
 */
function afterCursor(after: ViolationCursor, problem: ComplianceProblem | undefined): SQL {
  const { extensionId, machineId, userHash } = after;
  if (!problem)
    return sql`(extension_id, problem, machine_id, user_hash) > (${extensionId}, ${after.problem}, ${machineId}, ${userHash})`;
  const order = complianceProblems.indexOf(problem) - complianceProblems.indexOf(after.problem);
  if (order > 0) return sql`extension_id >= ${extensionId}`;
  if (order < 0) return sql`extension_id > ${extensionId}`;
  return sql`(extension_id, machine_id, user_hash) > (${extensionId}, ${machineId}, ${userHash})`;
}

/** A row of {@link violationsQuery} as the driver returns it. */
export type ViolationRow = {
  extension_id: string;
  problem: ComplianceProblem;
  agent_id: string;
  machine_id: string;
  user_hash: string;
  installed_version: string | null;
  pinned_version: string | null;
};

export function violationOf(row: ViolationRow): ComplianceViolation {
  return {
    extensionId: row.extension_id,
    problem: row.problem,
    agentId: row.agent_id,
    machineId: row.machine_id,
    userHash: row.user_hash,
    installedVersion: row.installed_version,
    pinnedVersion: row.pinned_version,
  };
}

export interface ViolationPage {
  violations: ComplianceViolation[];
  /** Pass it back for the next page; `null` on the last page. */
  next: ViolationCursor | null;
}

/**
 * One page of `groupId`'s compliance violations (default 100), optionally only one problem or
 * one extension, after `after` (keyset pagination: page 1,000 costs what page 1 does, and a
 * violation that appears or goes meanwhile neither repeats nor shifts the others).
 */
export async function violationPage(
  db: Queryable,
  groupId: string,
  options: { filter?: ViolationFilter; after?: ViolationCursor; pageSize?: number } = {},
): Promise<ViolationPage> {
  const pageSize = options.pageSize ?? 100;
  const result = await db.execute<ViolationRow>(violationsQuery(groupId, options.filter, options.after, pageSize + 1));
  const violations = result.rows.slice(0, pageSize).map(violationOf);
  const last = violations.at(-1);
  return {
    violations,
    next:
      result.rows.length > pageSize && last
        ? { extensionId: last.extensionId, problem: last.problem, machineId: last.machineId, userHash: last.userHash }
        : null,
  };
}

/**
 * Every violation of `groupId` (matching `filter`), in page order, streamed through a server-side
 * cursor `batchSize` rows at a time: memory holds one batch, however large the group. Run it
 * inside a transaction (`withGroup`): the cursor lives as long as the transaction.
 */
export async function* exportViolations(
  tx: Queryable,
  groupId: string,
  filter: ViolationFilter = {},
  batchSize = 1000,
): AsyncGenerator<ComplianceViolation> {
  await tx.execute(sql`DECLARE compliance_export NO SCROLL CURSOR FOR ${violationsQuery(groupId, filter)}`);
  // Closed when the caller stops early too; after a failed FETCH the transaction is aborted and
  // the cursor goes with it (a CLOSE would only hide the error).
  let open = true;
  try {
    for (;;) {
      const batch = await tx.execute<ViolationRow>(
        sql`FETCH ${sql.raw(String(Math.trunc(batchSize)))} FROM compliance_export`,
      );
      for (const row of batch.rows) yield violationOf(row);
      if (batch.rows.length < batchSize) return;
    }
  } catch (error) {
    open = false;
    throw error;
  } finally {
    if (open) await tx.execute(sql`CLOSE compliance_export`);
  }
}
