import { type SQL, sql } from "drizzle-orm";
import { blocklist, extensions, groupExtensions, reports } from "../schema";

// The rules every compliance read applies, written once. A group's agents are judged on the
// group's *rule extensions*: the catalog extensions it requires, and every extension its users
// have reported that is pinned to a version or blocked.

/** Why an agent is out of compliance; also the order problems take within one extension. */
export const complianceProblems = ["blocked", "missing_required", "wrong_version"] as const;
export type ComplianceProblem = (typeof complianceProblems)[number];

/** The agents compliance judges: the group's agents that are neither deleted nor disabled by an admin. */
export function isLiveAgent(alias: string): SQL {
  const a = sql.raw(alias);
  return sql`${a}.deleted_at IS NULL AND ${a}.status <> 'disabled'`;
}

/** The catalog extensions `groupId` requires (not deleted from the catalog), as `required(extension_id, pinned_version)`. */
export function requiredExtensions(groupId: string): SQL {
  return sql`required AS (
    SELECT e.extension_id, e.pinned_version
    FROM ${groupExtensions} ge JOIN ${extensions} e ON e.id = ge.extension_id
    WHERE ge.group_id = ${groupId}::uuid AND ge.is_required AND e.deleted_at IS NULL
  )`;
}

/**
 * The verdict on extension id `extensionId` (an SQL expression) as one row of
 * `(pinned_version, blocked, required)`: the catalog's pin, whether the catalog or an active
 * blocklist entry blocks it (`exact` equals the id, `publisher` the part before the dot, `regex`
 * matches it with PostgreSQL's `~`), and whether the group requires it (needs the `required` CTE).
 */
export function verdictOf(extensionId: SQL): SQL {
  return sql`(
    SELECT e.pinned_version,
      coalesce(e.is_blocked, false) OR EXISTS (SELECT FROM ${blocklist} b WHERE ${blocklistMatches(extensionId)}) AS blocked,
      EXISTS (SELECT FROM required q WHERE q.extension_id = ${extensionId}) AS required
    FROM (SELECT) one LEFT JOIN ${extensions} e ON e.extension_id = ${extensionId} AND e.deleted_at IS NULL
  )`;
}

/** Active blocklist entry `b` matches extension id `extensionId` (an SQL expression). */
export function blocklistMatches(extensionId: SQL): SQL {
  return sql`b.is_active AND CASE b.pattern_type
    WHEN 'exact' THEN b.pattern = ${extensionId}
    WHEN 'publisher' THEN b.pattern = split_part(${extensionId}, '.', 1)
    WHEN 'regex' THEN ${extensionId} ~ b.pattern
  END`;
}

/**
 * `ids(extension_id)`: every extension id the group's reports name or the group requires, in
 * index order from `from` on (inclusive), produced lazily by a loose scan of
 * reports_group_id_extension_id_idx (one index descent per distinct id): a caller that stops
 * after a page stops the scan there, and a group's 600,000 reports cost ~2,000 descents, not a read.
 */
export function extensionIdsFrom(groupId: string, from: string): SQL {
  const next = (bound: SQL) => sql`least(
    (SELECT min(r.extension_id) FROM ${reports} r WHERE r.group_id = ${groupId}::uuid AND r.extension_id ${bound}),
    (SELECT min(q.extension_id) FROM required q WHERE q.extension_id ${bound}))`;
  return sql`ids(extension_id) AS (
    SELECT ${next(sql`>= ${from}`)}
    UNION ALL
    SELECT ${next(sql`> ids.extension_id`)} FROM ids WHERE ids.extension_id IS NOT NULL
  )`;
}
