import { sql } from "drizzle-orm";
import { complianceExtensions, complianceGroups } from "../schema";
import { notBuilt } from "./compliance-problems";
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
 * missing it, running it blocked or at the wrong version; and the totals. Read from the state the
 * triggers keep (compliance_groups, and the group's range of compliance_extensions), so it costs
 * the same whatever the group's size; the tests check it against the rules written out.
 */
export async function complianceSummary(db: Queryable, groupId: string): Promise<ComplianceSummary> {
  const result = await db.execute<{
    live_agents: number;
    problem_agents: number;
    extensions: {
      extension_id: string;
      is_required: boolean;
      is_blocked: boolean;
      pinned_version: string | null;
      missing: number;
      blocked: number;
      wrong_version: number;
      problem_agents: number;
    }[];
  }>(sql`
    SELECT g.live_agents, g.problem_agents, coalesce((
      SELECT json_agg(json_build_object(
        'extension_id', x.extension_id, 'is_required', x.is_required, 'is_blocked', x.is_blocked,
        'pinned_version', x.pinned_version, 'missing', x.missing, 'blocked', x.blocked,
        'wrong_version', x.wrong_version, 'problem_agents', x.problem_agents) ORDER BY x.extension_id)
      FROM ${complianceExtensions} x
      WHERE x.group_id = g.group_id
        AND (x.is_required OR (x.reports > 0 AND (x.is_blocked OR x.pinned_version IS NOT NULL)))
    ), '[]') AS extensions
    FROM ${complianceGroups} g WHERE g.group_id = ${groupId}::uuid`);
  const row = result.rows[0];
  if (!row) throw notBuilt(groupId);
  const perExtension = row.extensions.map((e) => ({
    extensionId: e.extension_id,
    isRequired: e.is_required,
    isBlocked: e.is_blocked,
    pinnedVersion: e.pinned_version,
    compliant: row.live_agents - e.problem_agents,
    missing: e.missing,
    blocked: e.blocked,
    wrongVersion: e.wrong_version,
  }));
  const total = (key: "missing" | "blocked" | "wrongVersion") => perExtension.reduce((sum, e) => sum + e[key], 0);
  return {
    liveAgents: row.live_agents,
    compliantAgents: row.live_agents - row.problem_agents,
    missing: total("missing"),
    blocked: total("blocked"),
    wrongVersion: total("wrongVersion"),
    extensions: perExtension,
  };
}
