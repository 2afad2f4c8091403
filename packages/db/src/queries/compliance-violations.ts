import { type SQL, sql } from "drizzle-orm";
import { agents, reports } from "../schema";
import {
  type ComplianceProblem,
  complianceProblems,
  extensionIdsFrom,
  isLiveAgent,
  requiredExtensions,
  verdictOf,
} from "./compliance-rules";
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
 * problem, machine id, user hash), at most `limit` (all without it). The order is the plan's:
 * extension ids come one at a time from a loose index scan, and for each one the problems in
 * {@link complianceProblems} order, each read in machine-id order from an index (agents by
 * (group_id, machine_id), reports by (group_id, extension_id, installed, ...)). So a page stops
 * reading where it is full, at any depth, and the export streams without a sort. No ORDER BY: a
 * sort over the whole group would be exactly the read a page must not do (the tests check the
 * order against a plain ORDER BY).
 */
export function violationsQuery(
  groupId: string,
  filter: ViolationFilter = {},
  after?: ViolationCursor,
  limit?: number,
): SQL {
  const start = after?.extensionId ?? "";
  const ids = filter.extensionId
    ? sql`ids(extension_id) AS (SELECT ${filter.extensionId}::varchar WHERE ${filter.extensionId}::varchar >= ${start})`
    : extensionIdsFrom(groupId, start);
  const cap = limit === undefined ? sql`` : sql`LIMIT ${limit}`;
  /** Rows of problem `problem` come after the cursor: compared by (extension, problem, machine, user). */
  const afterCursor = (problem: ComplianceProblem, machine: SQL, user: SQL): SQL => {
    if (!after) return sql`true`;
    const order = complianceProblems.indexOf(problem) - complianceProblems.indexOf(after.problem);
    if (order < 0) return sql`ids.extension_id > ${after.extensionId}`;
    if (order > 0) return sql`true`;
    return sql`(ids.extension_id > ${after.extensionId} OR (${machine}, ${user}) > (${after.machineId}, ${after.userHash}))`;
  };
  /** Where the machine-id index range starts: at the cursor's machine within the cursor's own segment. */
  const machineFrom = (problem: ComplianceProblem): SQL =>
    after && after.problem === problem
      ? sql`CASE WHEN ids.extension_id = ${after.extensionId} THEN ${after.machineId}::varchar ELSE '' END`
      : sql`''`;
  const reported = (problem: ComplianceProblem, condition: SQL) => sql`(
    SELECT ${problem}::text AS problem, a.id AS agent_id, a.machine_id, i.user_hash, i.installed_version
    FROM ${reports} i JOIN ${agents} a ON a.id = i.agent_id AND a.group_id = ${groupId}::uuid AND ${isLiveAgent("a")}
    WHERE ${condition} AND i.group_id = ${groupId}::uuid AND i.extension_id = ids.extension_id AND i.installed
      AND ${afterCursor(problem, sql`a.machine_id`, sql`i.user_hash`)}
    ORDER BY a.machine_id, i.user_hash ${cap})`;
  const branches: Record<ComplianceProblem, SQL> = {
    blocked: reported("blocked", sql`v.blocked`),
    missing_required: sql`(
      SELECT 'missing_required'::text AS problem, a.id AS agent_id, a.machine_id, a.user_hash, NULL::varchar AS installed_version
      FROM ${agents} a
      WHERE v.required AND a.group_id = ${groupId}::uuid AND ${isLiveAgent("a")}
        AND a.machine_id >= ${machineFrom("missing_required")}
        AND ${afterCursor("missing_required", sql`a.machine_id`, sql`a.user_hash`)}
        AND NOT EXISTS (
          SELECT FROM ${reports} i
          WHERE i.user_hash = a.user_hash AND i.group_id = ${groupId}::uuid AND i.extension_id = ids.extension_id AND i.installed
        )
      ORDER BY a.machine_id, a.user_hash ${cap})`,
    wrong_version: reported(
      "wrong_version",
      sql`v.pinned_version IS NOT NULL AND i.installed_version IS DISTINCT FROM v.pinned_version`,
    ),
  };
  const wanted = complianceProblems.filter((problem) => !filter.problem || filter.problem === problem);
  return sql`
    WITH RECURSIVE ${requiredExtensions(groupId)}, ${ids}
    SELECT ids.extension_id, p.problem, p.agent_id, p.machine_id, p.user_hash, p.installed_version, v.pinned_version
    FROM ids
    CROSS JOIN LATERAL ${verdictOf(sql`ids.extension_id`)} v
    CROSS JOIN LATERAL (${sql.join(
      wanted.map((problem) => branches[problem]),
      sql` UNION ALL `,
    )}) p
    WHERE ids.extension_id IS NOT NULL
    ${cap}`;
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
