import { sql } from "drizzle-orm";
import { agents, blocklist, extensions, groupExtensions, reports } from "../schema";
import type { Queryable } from "./queryable";

/** Why an agent is out of compliance. */
export type ComplianceProblem = "missing_required" | "blocked" | "wrong_version";

/** One agent breaking one rule for one extension. */
export interface ComplianceViolation {
  agentId: string;
  machineId: string;
  /** `publisher.name`. */
  extensionId: string;
  problem: ComplianceProblem;
  /** What the agent reported (`null` for a missing extension). */
  installedVersion: string | null;
  /** The catalog's pinned version, when it has one. */
  pinnedVersion: string | null;
}

/**
 * Every compliance problem of `groupId`'s live agents (not deleted, not disabled), by agent then
 * extension. The group's installed reports are read once (an index-only scan of reports_group_id_extension_id_idx)
 * and everything else is joined to them in memory. What the columns mean:
 * - `missing_required`: a `group_extensions` row with `is_required` names a catalog extension the
 *   agent's user has no installed report for. Reports are kept per (user_hash, group, extension),
 *   so an agent is judged by its user's report in the group.
 * - `blocked`: an installed report of an extension the catalog marks `is_blocked`, or that an
 *   active `blocklist` entry matches: `exact` equals the id, `publisher` equals the part before the
 *   dot, `regex` matches the id (PostgreSQL's `~`).
 * - `wrong_version`: an installed report whose version differs from the catalog's `pinned_version`.
 * Blocked and wrong-version problems name the agent that sent the report.
 */
export async function groupCompliance(db: Queryable, groupId: string): Promise<ComplianceViolation[]> {
  const result = await db.execute<{
    agent_id: string;
    machine_id: string;
    extension_id: string;
    problem: ComplianceProblem;
    installed_version: string | null;
    pinned_version: string | null;
  }>(sql`
    WITH live_agents AS (
      SELECT id, machine_id, user_hash FROM ${agents}
      WHERE group_id = ${groupId} AND deleted_at IS NULL AND status <> 'disabled'
    ),
    installed AS MATERIALIZED (
      SELECT agent_id, user_hash, extension_id, installed_version FROM ${reports}
      WHERE group_id = ${groupId} AND installed
    ),
    -- Catalog and blocklist verdicts once per distinct extension, not once per report.
    verdicts AS (
      SELECT ids.extension_id, e.pinned_version,
        coalesce(e.is_blocked, false) OR EXISTS (
          SELECT FROM ${blocklist} b
          WHERE b.is_active AND CASE b.pattern_type
            WHEN 'exact' THEN b.pattern = ids.extension_id
            WHEN 'publisher' THEN b.pattern = split_part(ids.extension_id, '.', 1)
            WHEN 'regex' THEN ids.extension_id ~ b.pattern
          END
        ) AS blocked
      FROM (SELECT DISTINCT extension_id FROM installed) ids
      LEFT JOIN ${extensions} e ON e.extension_id = ids.extension_id AND e.deleted_at IS NULL
    ),
    required AS (
      SELECT e.extension_id, e.pinned_version
      FROM ${groupExtensions} ge JOIN ${extensions} e ON e.id = ge.extension_id
      WHERE ge.group_id = ${groupId} AND ge.is_required AND e.deleted_at IS NULL
    ),
    problems AS (
      SELECT a.id AS agent_id, q.extension_id, 'missing_required' AS problem, NULL AS installed_version, q.pinned_version
      FROM live_agents a CROSS JOIN required q
      WHERE NOT EXISTS (SELECT FROM installed i WHERE i.user_hash = a.user_hash AND i.extension_id = q.extension_id)
      UNION ALL
      SELECT i.agent_id, i.extension_id, 'blocked', i.installed_version, v.pinned_version
      FROM installed i JOIN verdicts v USING (extension_id)
      WHERE v.blocked
      UNION ALL
      SELECT i.agent_id, i.extension_id, 'wrong_version', i.installed_version, v.pinned_version
      FROM installed i JOIN verdicts v USING (extension_id)
      WHERE v.pinned_version IS NOT NULL AND i.installed_version IS DISTINCT FROM v.pinned_version
    )
    SELECT p.agent_id, a.machine_id, p.extension_id, p.problem, p.installed_version, p.pinned_version
    FROM problems p JOIN live_agents a ON a.id = p.agent_id
    ORDER BY a.machine_id, p.extension_id, p.problem`);
  return result.rows.map((row) => ({
    agentId: row.agent_id,
    machineId: row.machine_id,
    extensionId: row.extension_id,
    problem: row.problem,
    installedVersion: row.installed_version,
    pinnedVersion: row.pinned_version,
  }));
}
