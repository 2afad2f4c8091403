import type { NewReport } from "@devtools-sync/db";
import type { Database } from "@devtools-sync/db/client";
import { upsertReportBatch } from "@devtools-sync/db/queries";
import { copyRows } from "./data/copy";
import type { ScalePlan } from "./data/plan";
import { batchOf } from "./hot-paths";

export interface IngestResult {
  batches: number;
  rows: number;
  upsertRowsPerSecond: number;
  copyRowsPerSecond: number;
  /** Upsert throughput divided by COPY throughput of the same rows into an unindexed table. */
  ratio: number;
  /** Of the upserted rows, how many updated an existing report (the rest were inserts). */
  updatedRows: number;
  /** What the upsert pays for that the COPY does not: the indexes, foreign keys and triggers of reports. */
  indexes: string[];
  foreignKeys: string[];
}

/**
 * Upserts `batches` batches of 500 from distinct agents one after another, then COPYs the very
 * same rows into a table like `reports` without its indexes, constraints or triggers.
 */
export async function benchIngest(db: Database, plan: ScalePlan, now: Date, batches: number): Promise<IngestResult> {
  // Agents spread over the fleet, from the end so that the hot-path runs (which use each group's first agents) do not overlap.
  const agents = Array.from({ length: batches }, (_, i) => plan.agents - 1 - Math.floor((i * plan.agents) / batches));
  const batchList = agents.map((agent) => batchOf(plan, agent, now));
  const { rows: before } = await db.$client.query("SELECT count(*)::int AS n FROM reports WHERE agent_id = ANY($1)", [
    batchList.map((batch) => batch.agentId),
  ]);
  let rows = 0;
  const started = performance.now();
  for (const batch of batchList) rows += await upsertReportBatch(db, batch);
  const upsertSeconds = (performance.now() - started) / 1000;

  const client = await db.$client.connect();
  let copySeconds: number;
  try {
    await client.query("CREATE TEMP TABLE ingest_copy (LIKE reports INCLUDING DEFAULTS)");
    const copied = batchList.flatMap((batch) =>
      batch.entries.map((entry) => ({
        ...entry,
        agentId: batch.agentId,
        groupId: batch.groupId,
        userHash: batch.userHash,
        clientIp: batch.clientIp,
      })),
    );
    const copyStarted = performance.now();
    await copyRows<NewReport>(
      client,
      "ingest_copy",
      ["agentId", "groupId", "extensionId", "userHash", "installed", "installedVersion", "extensionSha256", "clientIp"],
      copied,
    );
    copySeconds = (performance.now() - copyStarted) / 1000;
    await client.query("DROP TABLE ingest_copy");
  } finally {
    client.release();
  }
  const { rows: indexes } = await db.$client.query(
    "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'reports' ORDER BY indexname",
  );
  const { rows: foreignKeys } = await db.$client.query(
    "SELECT conname FROM pg_constraint WHERE conrelid = 'public.reports'::regclass AND contype = 'f' ORDER BY conname",
  );
  const upsertRowsPerSecond = Math.round(rows / upsertSeconds);
  const copyRowsPerSecond = Math.round(rows / copySeconds);
  return {
    batches,
    rows,
    upsertRowsPerSecond,
    copyRowsPerSecond,
    ratio: Math.round((1000 * upsertRowsPerSecond) / copyRowsPerSecond) / 1000,
    updatedRows: before[0].n,
    indexes: indexes.map((row) => row.indexname),
    foreignKeys: foreignKeys.map((row) => row.conname),
  };
}
