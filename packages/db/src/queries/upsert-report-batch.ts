import { sql } from "drizzle-orm";
import { agents, reports } from "../schema";
import type { NewReport } from "../types";
import { executePrepared } from "./prepared";
import type { Queryable } from "./queryable";

/** One extension's state in an agent's batch (the columns that vary within a batch). */
export type ReportBatchEntry = Pick<NewReport, "extensionId" | "installed" | "installedVersion" | "extensionSha256">;

/** Everything one agent sends at once: who it reports for, and up to 500 entries. */
export interface ReportBatch {
  agentId: string;
  groupId: string;
  userHash: string;
  clientIp?: string | null;
  entries: readonly ReportBatchEntry[];
}

/**
 * Stores an agent's batch in one statement and returns how many report rows it wrote (new or
 * changed entries). Agents re-send their whole list, and almost all of it is what the database
 * already holds: an unchanged entry costs the unique key's lookup and nothing else (no new row
 * version, no row lock, no index entries, no WAL). So the statement updates only the entries that
 * differ, then inserts only the ones the user has no row for (an `INSERT … ON CONFLICT DO UPDATE`
 * over every entry would lock each existing row, writing it to the WAL, even where its `WHERE`
 * then leaves it as it was; here it only settles a row another batch inserted meanwhile). A
 * changed entry overwrites the user's row and moves its `reported_at` (so `reported_at` says when
 * the entry last changed, and `client_ip` where that change came from). When the agent last
 * reported its list lives on the agent: `agents.last_sync`, written once per batch. The entries
 * travel as one JSON parameter, so the statement text is the same for every batch size, and it is
 * prepared once per connection (parsing and planning it took about as long as running a re-report).
 * A batch naming an extension twice is refused before anything is written.
 */
export async function upsertReportBatch(db: Queryable, batch: ReportBatch): Promise<number> {
  const seen = new Set<string>();
  for (const { extensionId } of batch.entries) {
    if (seen.has(extensionId))
      throw new Error(`report batch names extension ${extensionId} twice: send each extension once per batch`);
    seen.add(extensionId);
  }
  const entries = JSON.stringify(
    batch.entries.map((entry) => ({
      extension_id: entry.extensionId,
      installed: entry.installed,
      installed_version: entry.installedVersion ?? null,
      extension_sha256: entry.extensionSha256 ?? null,
    })),
  );
  const agentId = sql`${batch.agentId}::uuid`;
  const groupId = sql`${batch.groupId}::uuid`;
  const clientIp = sql`${batch.clientIp ?? null}::inet`;
  const [result] = await executePrepared<{ written: number }>(
    db,
    "upsert_report_batch",
    sql`
    WITH entry AS (
      SELECT * FROM jsonb_to_recordset(${entries}::jsonb)
        AS e(extension_id varchar(255), installed boolean, installed_version varchar(50), extension_sha256 varchar(64))
    ),
    changed AS (
      UPDATE ${reports} r SET
        agent_id = ${agentId},
        installed = e.installed,
        installed_version = e.installed_version,
        extension_sha256 = e.extension_sha256,
        client_ip = ${clientIp},
        reported_at = now()
      FROM entry e
      WHERE r.user_hash = ${batch.userHash} AND r.group_id = ${groupId} AND r.extension_id = e.extension_id
        AND (r.agent_id, r.installed, r.installed_version, r.extension_sha256)
          IS DISTINCT FROM (${agentId}, e.installed, e.installed_version, e.extension_sha256)
      RETURNING 1
    ),
    added AS (
      INSERT INTO ${reports} (agent_id, group_id, user_hash, client_ip, extension_id, installed, installed_version, extension_sha256)
      SELECT ${agentId}, ${groupId}, ${batch.userHash}, ${clientIp},
             e.extension_id, e.installed, e.installed_version, e.extension_sha256
      FROM entry e
      WHERE NOT EXISTS (
        SELECT FROM ${reports} r
        WHERE r.user_hash = ${batch.userHash} AND r.group_id = ${groupId} AND r.extension_id = e.extension_id)
      ON CONFLICT ON CONSTRAINT reports_user_hash_group_id_extension_id_key DO UPDATE SET
        agent_id = excluded.agent_id,
        installed = excluded.installed,
        installed_version = excluded.installed_version,
        extension_sha256 = excluded.extension_sha256,
        client_ip = excluded.client_ip,
        reported_at = now()
      WHERE (${reports.agentId}, ${reports.installed}, ${reports.installedVersion}, ${reports.extensionSha256})
        IS DISTINCT FROM (excluded.agent_id, excluded.installed, excluded.installed_version, excluded.extension_sha256)
      RETURNING 1
    ),
    synced AS (
      UPDATE ${agents} SET last_sync = now()
      WHERE ${agents.id} = ${agentId} AND ${agents.groupId} = ${groupId}
      RETURNING 1
    )
    SELECT ((SELECT count(*) FROM changed) + (SELECT count(*) FROM added))::int AS written,
      (SELECT count(*) FROM synced)::int AS synced`,
  );
  return result?.written ?? 0;
}
