import { createDb } from "@devtools-sync/db/client";
import { complianceStateDifferences } from "@devtools-sync/db/queries";
import { DEFAULT_LOCK_TIMEOUT_MS } from "@devtools-sync/migrate-core";
import { latencyChart } from "./chart";
import { planFor } from "./data/plan";
import { groupId } from "./data/rows";
import { cloneDataDatabase, ensureDataDatabase } from "./database";
import { benchExport } from "./export";
import { benchHotPaths } from "./hot-paths";
import { benchIngest } from "./ingest";
import { runLiveMigration } from "./live-migration";
import { type BenchResults, describeRun, writeResults } from "./results";

export interface BenchOptions {
  /** Superuser URL of the server (it needs CREATE DATABASE). */
  serverUrl: string;
  scale: number;
  /** Folder for the JSON, markdown and SVG. */
  outDir: string;
  progress: (line: string) => void;
  /** Timed runs of each hot path per group (default 200: a p99 of 30 runs would be their slowest one). */
  iterations?: number;
  /** Seconds of live load before and after the migrations. */
  steadySeconds?: number;
  /** Explain with sequential scans priced out: for data too small for the planner to want an index. */
  indexesOnly?: boolean;
}

/**
 * The whole bench on one scale: loads the scale's data unless already loaded, then on a throwaway
 * copy of it measures the hot paths, ingest, and the migrations under live load, and writes the
 * results. Returns them and the markdown file's path.
 */
export async function runBench(options: BenchOptions): Promise<{ results: BenchResults; markdownPath: string }> {
  const { serverUrl, scale, progress } = options;
  const plan = planFor(scale);
  const startedAt = new Date();
  const { anchor, load } = await ensureDataDatabase(serverUrl, plan, startedAt, progress);
  const migrating = performance.now();
  const clone = await cloneDataDatabase(serverUrl, scale);
  const migratedSeconds = seconds(migrating);
  progress(`copy migrated (${clone.migrated.join(", ") || "nothing to apply"}) in ${migratedSeconds} s`);
  const db = createDb(clone.url, { max: 2 });
  try {
    const about = await describeRun(db.$client, plan);
    // The copy's statistics and visibility map, as autovacuum keeps them on a live table.
    await db.$client.query("VACUUM ANALYZE");
    progress("hot paths");
    const hotPaths = await benchHotPaths(db, plan, anchor, options.iterations ?? 200, progress, options.indexesOnly);
    progress("export");
    const exportLargest = await benchExport(db, groupId(0), plan.agentsPerGroup[0] as number);
    progress(
      `export: ${exportLargest.rows} rows in ${exportLargest.exportSeconds} s, COPY ${exportLargest.copySeconds} s`,
    );
    progress("ingest");
    // One connection, so that its table statistics count exactly what the ingest wrote.
    const single = createDb(clone.url, { max: 1 });
    const ingest = await benchIngest(
      single,
      plan,
      anchor,
      Math.max(5, Math.min(500, Math.round(plan.agents / 200))),
    ).finally(() => single.$client.end());
    for (const x of ingest.scenarios) progress(`ingest, ${x.name}: ${x.rowsPerSecond} rows/s`);
    progress("migrations under live load");
    const { samples, ...liveMigration } = await runLiveMigration({
      url: clone.url,
      plan,
      now: anchor,
      steadySeconds: options.steadySeconds ?? 20,
      connections: 4,
      ratePerSecond: 100,
      batchSize: 50,
      lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
      blockerMs: 3000,
    });
    progress(
      `live migration: p99 before ${liveMigration.phases.before.p99} ms, during ${liveMigration.phases.during.p99} ms`,
    );
    progress("compliance state against its full recomputation");
    const checking = performance.now();
    const complianceState = { ...(await complianceStateDifferences(db)), seconds: seconds(checking) };
    progress(`compliance state: ${JSON.stringify(complianceState)}`);
    const results: BenchResults = {
      startedAt: startedAt.toISOString(),
      scale,
      ...about,
      load,
      migrated: clone.migrated,
      migratedSeconds,
      complianceState,
      hotPaths,
      exportLargest,
      indexesOnly: options.indexesOnly ?? false,
      ingest,
      liveMigration,
    };
    const chart = latencyChart(
      `Application latency while migrating reports (scale ${scale}, ${(about.rows.reports ?? 0).toLocaleString("en")} reports)`,
      samples,
      liveMigration.migrations,
      liveMigration.lockTimeoutMs,
    );
    const markdownPath = await writeResults(options.outDir, results, chart);
    return { results, markdownPath };
  } finally {
    await db.$client.end();
    await clone.drop();
  }
}

/** Seconds since `start` (a performance.now()), to a tenth. */
function seconds(start: number): number {
  return Math.round((performance.now() - start) / 100) / 10;
}
