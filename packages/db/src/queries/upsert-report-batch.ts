import { sql } from "drizzle-orm";
import { reports } from "../schema";
import type { NewReport } from "../types";
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
 * Stores an agent's batch in one statement: each entry inserts the user's row for that extension,
 * or overwrites it (and moves `reported_at` to now) when the user already has one in this group.
 * The entries travel as one JSON parameter, so the statement text is the same for every batch
 * size. Returns how many rows were written.
 */
export async function upsertReportBatch(db: Queryable, batch: ReportBatch): Promise<number> {
  const entries = JSON.stringify(
    batch.entries.map((entry) => ({
      extension_id: entry.extensionId,
      installed: entry.installed,
      installed_version: entry.installedVersion ?? null,
      extension_sha256: entry.extensionSha256 ?? null,
    })),
  );
  const result = await db.execute(sql`
    INSERT INTO ${reports} (agent_id, group_id, user_hash, client_ip, extension_id, installed, installed_version, extension_sha256)
    SELECT ${batch.agentId}::uuid, ${batch.groupId}::uuid, ${batch.userHash}, ${batch.clientIp ?? null}::inet,
           e.extension_id, e.installed, e.installed_version, e.extension_sha256
    FROM jsonb_to_recordset(${entries}::jsonb)
      AS e(extension_id varchar(255), installed boolean, installed_version varchar(50), extension_sha256 varchar(64))
    ON CONFLICT ON CONSTRAINT reports_user_hash_group_id_extension_id_key DO UPDATE SET
      agent_id = excluded.agent_id,
      installed = excluded.installed,
      installed_version = excluded.installed_version,
      extension_sha256 = excluded.extension_sha256,
      client_ip = excluded.client_ip,
      reported_at = now()`);
  return result.rowCount ?? 0;
}
