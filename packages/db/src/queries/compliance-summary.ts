import { sql } from "drizzle-orm";
import { agents, blocklist, extensions, reports } from "../schema";
import { blocklistMatches, extensionIdsFrom, isLiveAgent, requiredExtensions } from "./compliance-rules";
import type { Queryable } from "./queryable";

/** How a group's live agents stand on one rule extension. */
export interface ExtensionCompliance {
  extensionId: string;
  isRequired: boolean;
  isBlocked: boolean;
  pinnedVersion: string | null;
  /** Live agents with no problem on this extension. */
  compliant: number;
  /** Live agents whose user has no installed report of it (required extensions only). */
  missing: number;
  /** Installed reports of it by live agents, when it is blocked (each names its agent). */
  blocked: number;
  /** Installed reports of it by live agents at another version than the pinned one (each names its agent). */
  wrongVersion: number;
}

/** A group's compliance at a glance, as the dashboard shows it before any list. */
export interface ComplianceSummary {
  /** The group's agents that compliance judges (not deleted, not disabled). */
  liveAgents: number;
  /** Live agents with no problem on any extension. */
  compliantAgents: number;
  /** Violations of each kind: what the violation pages list, counted. */
  missing: number;
  blocked: number;
  wrongVersion: number;
  /** One entry per rule extension (required, or reported and blocked or pinned), by extension id. */
  extensions: ExtensionCompliance[];
}

/**
 * The compliance summary of `groupId`: per rule extension, how many live agents are compliant,
 * missing it, running it blocked or at the wrong version; and the totals. The same rules as
 * {@link violationPage} (the tests check the counts against the listed violations), computed in
 * one statement that reads only the rule extensions' ranges of reports_group_id_extension_id_idx
 * (index-only) and the group's agents: a required extension costs one pass over its installs,
 * hashed against the live agents; a blocked or pinned one, one pass over its installs.
 */
export async function complianceSummary(db: Queryable, groupId: string): Promise<ComplianceSummary> {
  const result = await db.execute<{
    live_agents: number;
    compliant_agents: number;
    extensions: {
      extension_id: string;
      required: boolean;
      blocked: boolean;
      pinned_version: string | null;
      missing: number;
      blocked_reports: number;
      wrong_reports: number;
      problem_agents: number;
    }[];
  }>(sql`
    WITH RECURSIVE ${requiredExtensions(groupId)}, ${extensionIdsFrom(groupId, "")},
    live AS MATERIALIZED (
      SELECT a.id, a.user_hash FROM ${agents} a WHERE a.group_id = ${groupId}::uuid AND ${isLiveAgent("a")}
    ),
    -- The verdicts on every id at once (joins, not a subquery per id): catalog, blocklist, requirement.
    blocked_ids AS (
      SELECT DISTINCT ids.extension_id FROM ids JOIN ${blocklist} b ON ${blocklistMatches(sql`ids.extension_id`)}
    ),
    rules AS MATERIALIZED (
      SELECT ids.extension_id, e.pinned_version,
        coalesce(e.is_blocked, false) OR bi.extension_id IS NOT NULL AS blocked,
        q.extension_id IS NOT NULL AS required
      FROM ids
      LEFT JOIN ${extensions} e ON e.extension_id = ids.extension_id AND e.deleted_at IS NULL
      LEFT JOIN blocked_ids bi ON bi.extension_id = ids.extension_id
      LEFT JOIN required q ON q.extension_id = ids.extension_id
      WHERE ids.extension_id IS NOT NULL
        AND (q.extension_id IS NOT NULL OR e.is_blocked OR bi.extension_id IS NOT NULL OR e.pinned_version IS NOT NULL)
    ),
    -- (required extension, live agent whose user has it installed): the agents not missing it.
    covered AS MATERIALIZED (
      SELECT r.extension_id, a.id AS agent_id
      FROM rules r
      JOIN ${reports} i ON i.group_id = ${groupId}::uuid AND i.extension_id = r.extension_id AND i.installed
      JOIN live a ON a.user_hash = i.user_hash
      WHERE r.required
    ),
    -- Blocked and wrong-version violations: installed reports of live agents.
    flagged AS MATERIALIZED (
      SELECT r.extension_id, i.agent_id, r.blocked,
        r.pinned_version IS NOT NULL AND i.installed_version IS DISTINCT FROM r.pinned_version AS wrong
      FROM rules r
      JOIN ${reports} i ON i.group_id = ${groupId}::uuid AND i.extension_id = r.extension_id AND i.installed
      JOIN live a ON a.id = i.agent_id
      WHERE r.blocked OR (r.pinned_version IS NOT NULL AND i.installed_version IS DISTINCT FROM r.pinned_version)
    ),
    -- Live agents whose user has every required extension installed.
    fully_covered AS (
      SELECT agent_id FROM covered GROUP BY agent_id HAVING count(*) = (SELECT count(*) FROM rules WHERE required)
    ),
    covered_counts AS (SELECT extension_id, count(*) AS agents FROM covered GROUP BY extension_id),
    flagged_counts AS (
      SELECT f.extension_id,
        count(*) FILTER (WHERE f.blocked) AS blocked_reports,
        count(*) FILTER (WHERE f.wrong) AS wrong_reports,
        -- Flagged agents that are not also missing it (a required extension's flagged agents may be).
        count(DISTINCT f.agent_id) FILTER (WHERE NOT r.required OR c.agent_id IS NOT NULL) AS agents_not_missing
      FROM flagged f
      JOIN rules r USING (extension_id)
      LEFT JOIN covered c ON c.extension_id = f.extension_id AND c.agent_id = f.agent_id
      GROUP BY f.extension_id
    ),
    per_extension AS (
      SELECT r.extension_id, r.required, r.blocked, r.pinned_version,
        CASE WHEN r.required THEN (SELECT count(*) FROM live) - coalesce(cc.agents, 0) ELSE 0 END AS missing,
        coalesce(fc.blocked_reports, 0) AS blocked_reports,
        coalesce(fc.wrong_reports, 0) AS wrong_reports,
        coalesce(fc.agents_not_missing, 0) AS flagged_agents
      FROM rules r
      LEFT JOIN covered_counts cc USING (extension_id)
      LEFT JOIN flagged_counts fc USING (extension_id)
    )
    SELECT
      (SELECT count(*) FROM live)::int AS live_agents,
      (SELECT count(*) FROM live a
        WHERE (NOT EXISTS (SELECT FROM rules WHERE required) OR a.id IN (SELECT agent_id FROM fully_covered))
          AND NOT EXISTS (SELECT FROM flagged f WHERE f.agent_id = a.id))::int AS compliant_agents,
      coalesce((
        SELECT json_agg(json_build_object(
          'extension_id', extension_id, 'required', required, 'blocked', blocked, 'pinned_version', pinned_version,
          'missing', missing, 'blocked_reports', blocked_reports, 'wrong_reports', wrong_reports,
          'problem_agents', missing + flagged_agents) ORDER BY extension_id)
        FROM per_extension), '[]') AS extensions`);
  const row = result.rows[0];
  if (!row) throw new Error("complianceSummary: the statement returned no row");
  const perExtension = row.extensions.map((e) => ({
    extensionId: e.extension_id,
    isRequired: e.required,
    isBlocked: e.blocked,
    pinnedVersion: e.pinned_version,
    compliant: row.live_agents - e.problem_agents,
    missing: e.missing,
    blocked: e.blocked_reports,
    wrongVersion: e.wrong_reports,
  }));
  const total = (key: "missing" | "blocked" | "wrongVersion") => perExtension.reduce((sum, e) => sum + e[key], 0);
  return {
    liveAgents: row.live_agents,
    compliantAgents: row.compliant_agents,
    missing: total("missing"),
    blocked: total("blocked"),
    wrongVersion: total("wrongVersion"),
    extensions: perExtension,
  };
}
