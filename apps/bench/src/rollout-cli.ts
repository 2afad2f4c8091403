/**
 * pnpm --filter @devtools-sync/bench rollout [--scale N] [--database-url URL] [--out DIR]
 *
 * The rollout scenario (rollout.ts) on a throwaway clone of the scale's data (loaded first when
 * missing); writes rollout-scale-N-<time>.json, .md and .svg.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withClient } from "@devtools-sync/local-postgres";
import { DEFAULT_LOCK_TIMEOUT_MS } from "@devtools-sync/migrate-core";
import { latencyChart } from "./chart";
import { runMain } from "./cli-main";
import { benchArgs } from "./cli-options";
import { planFor } from "./data/plan";
import { benchServer, cloneDataDatabase, ensureDataDatabase } from "./database";
import { type BenchResults, describeRun, machineLine, rowsLine } from "./results";
import { type RolloutResult, runRollout } from "./rollout";

runMain(async () => {
  const { scale, databaseUrl, out } = benchArgs({});
  const plan = planFor(scale);
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const server = await benchServer(databaseUrl);
  try {
    const { anchor } = await ensureDataDatabase(server.url, plan, new Date(), progress);
    const clone = await cloneDataDatabase(server.url, scale);
    try {
      const startedAt = new Date();
      const about = await withClient(clone.url, (client) => describeRun(client, plan));
      progress("rollout: previous version alone, expand + backfill, both versions, contract, new version alone");
      const { samples, ...result } = await runRollout({
        url: clone.url,
        plan,
        now: anchor,
        steadySeconds: scale >= 0.1 ? 20 : 5,
        connections: 2,
        ratePerSecond: 50,
        lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
        backfillBatchSize: 1000,
        backfillPauseMs: 0,
      });
      const results = { startedAt: startedAt.toISOString(), scale, ...about, ...result };
      const name = `rollout-scale-${scale}-${results.startedAt.replace(/[:.]/g, "").slice(0, 15)}`;
      await mkdir(out, { recursive: true });
      await writeFile(join(out, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
      await writeFile(
        join(out, `${name}.svg`),
        latencyChart(
          `Rollout of a reports column rename under live load (scale ${scale}): previous and new version`,
          samples,
          result.phases,
          result.options.lockTimeoutMs,
        ),
      );
      await writeFile(join(out, `${name}.md`), rolloutMarkdown(results, `${name}.svg`));
      progress(
        `rollout: backfill ${result.backfill.rows} rows at ${result.backfill.rowsPerSecond} rows/s, longest batch ${Math.round(result.backfill.longestBatchMs)} ms; failed queries: ${result.latency.previous.before.failed + result.latency.previous.during.failed + result.latency.next.during.failed + result.latency.next.after.failed}`,
      );
      process.stdout.write(`results: ${join(out, `${name}.md`)}\n`);
    } finally {
      await clone.drop();
    }
  } finally {
    await server.stop();
  }
});

function rolloutMarkdown(
  results: Omit<RolloutResult, "samples"> & { startedAt: string; scale: number } & Pick<
      BenchResults,
      "machine" | "rows"
    >,
  chartFile: string,
): string {
  const ms = (value: number) => `${Math.round(value * 10) / 10} ms`;
  const row = (version: string, window: string, s: RolloutResult["latency"]["previous"]["before"]) =>
    `| ${version} | ${window} | ${s.queries} | ${s.failed} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} |`;
  const { backfill: b } = results;
  return [
    `# Rollout under live load, scale ${results.scale} (${results.startedAt})`,
    "",
    `${machineLine(results.machine)} Shared with other jobs while it ran.`,
    "",
    rowsLine(results.rows),
    "",
    "reports.installed_version renamed to version_installed: the previous application version (committed hot-path queries: heartbeats, report batches) and the new one (reads and writes version_installed) run concurrently; the migrator applies the expand, backfills reports, holds the contract, and applies it once the previous version is stopped.",
    "",
    `- Phases (s since the load started): ${results.phases.map((p) => `${p.name} ${(p.start / 1000).toFixed(1)}–${(p.end / 1000).toFixed(1)}`).join(", ")}; held after the expand: ${results.held ?? "nothing"}.`,
    `- Backfill: ${b.rows} rows in ${b.batches} batches of ${results.options.backfillBatchSize}, ${(b.durationMs / 1000).toFixed(1)} s, ${b.rowsPerSecond} rows/s; longest batch (longest any row lock was held) ${ms(b.longestBatchMs)}.`,
    `- Failed queries: ${results.failures.length === 0 ? "none" : results.failures.join("; ")}.`,
    `- p99 of the previous version during the rollout / before it: ${results.p99Ratio}.`,
    "",
    "| version | window | queries | failed | p50 | p99 | max |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    row("previous", "before the expand", results.latency.previous.before),
    row("previous", "expand → contract", results.latency.previous.during),
    row("new", "expand → contract", results.latency.next.during),
    row("new", "after the contract", results.latency.next.after),
    "",
    `![latency](${chartFile})`,
    "",
  ].join("\n");
}
