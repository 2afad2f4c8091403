/**
 * pnpm --filter @devtools-sync/bench rollout [--scale N] [--database-url URL] [--out DIR]
 *   [--template DB] [--fixed-batch ROWS]
 *
 * The rollout scenario (rollout.ts) on a throwaway clone of the scale's data (loaded first when
 * missing; --template clones another database of the server instead, e.g. one already migrated),
 * once with the migrator's default backfill (batches sized by time) and, on a fresh clone, once
 * with fixed batches of --fixed-batch rows (default 1000, the default before; 0 skips it), side by
 * side; writes rollout-scale-N-<time>.json, .md and one .svg per run.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withClient } from "@devtools-sync/local-postgres";
import {
  type BackfillOptions,
  DEFAULT_BACKFILL_BATCH_MS,
  DEFAULT_BACKFILL_BATCH_SIZE,
  DEFAULT_LOCK_TIMEOUT_MS,
} from "@devtools-sync/migrate-core";
import { latencyChart } from "./chart";
import { runMain, UsageError } from "./cli-main";
import { benchArgs } from "./cli-options";
import { planFor } from "./data/plan";
import { benchServer, cloneDataDatabase, ensureDataDatabase } from "./database";
import { type BenchResults, describeRun, machineLine, rowsLine } from "./results";
import { type RolloutResult, runRollout } from "./rollout";

interface Run extends Omit<RolloutResult, "samples"> {
  label: string;
  backfillNote: string;
  chart: string;
}

runMain(async () => {
  const { scale, databaseUrl, out, values } = benchArgs({
    template: { type: "string" },
    "fixed-batch": { type: "string", default: "1000" },
  });
  const fixed = Number(values["fixed-batch"]);
  if (!Number.isInteger(fixed) || fixed < 0) {
    throw new UsageError(
      `--fixed-batch must be a whole number of rows (0: no fixed-batch run), got "${values["fixed-batch"]}"`,
    );
  }
  const variants: { label: string; backfillNote: string; backfill: BackfillOptions }[] = [
    {
      label: "time-sized",
      backfillNote: `the migrator's default: batches of about ${DEFAULT_BACKFILL_BATCH_MS} ms (rolled back and retried with half the rows past ${2 * DEFAULT_BACKFILL_BATCH_MS} ms), at most ${DEFAULT_BACKFILL_BATCH_SIZE.toLocaleString("en")} rows`,
      backfill: {},
    },
    ...(fixed > 0
      ? [
          {
            label: `fixed-${fixed}`,
            backfillNote: `fixed batches of ${fixed.toLocaleString("en")} rows, no time limit (--backfill-batch-ms 0)`,
            backfill: { batchSize: fixed, batchMs: 0 },
          },
        ]
      : []),
  ];
  const plan = planFor(scale);
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const server = await benchServer(databaseUrl);
  try {
    const { anchor } = await ensureDataDatabase(server.url, plan, new Date(), progress);
    const startedAt = new Date().toISOString();
    const name = `rollout-scale-${scale}-${startedAt.replace(/[:.]/g, "").slice(0, 15)}`;
    await mkdir(out, { recursive: true });
    let about: Pick<BenchResults, "machine" | "rows"> | undefined;
    const runs: Run[] = [];
    for (const variant of variants) {
      const clone = await cloneDataDatabase(server.url, scale, true, values.template);
      try {
        about ??= await withClient(clone.url, (client) => describeRun(client, plan));
        progress(
          `rollout (${variant.label} backfill): previous version alone, expand + backfill, both, contract, new alone`,
        );
        const { samples, ...result } = await runRollout({
          url: clone.url,
          plan,
          now: anchor,
          steadySeconds: scale >= 0.1 ? 20 : 5,
          connections: 2,
          ratePerSecond: 50,
          lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
          backfill: variant.backfill,
        });
        const chart = `${name}-${variant.label}.svg`;
        await writeFile(
          join(out, chart),
          latencyChart(
            `Rollout of reports.extension_sha256 varchar(64) → text under live load (scale ${scale}, ${variant.label} backfill batches)`,
            samples,
            result.phases,
            result.options.lockTimeoutMs,
          ),
        );
        runs.push({ label: variant.label, backfillNote: variant.backfillNote, chart, ...result });
        // Written after each run, so a long second run stopped early leaves the first one's results.
        const results = { startedAt, scale, ...(about as Pick<BenchResults, "machine" | "rows">), runs };
        await writeFile(join(out, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
        await writeFile(join(out, `${name}.md`), rolloutMarkdown(results));
        progress(
          `rollout (${variant.label}): backfill ${result.backfill.rows} rows at ${result.backfill.rowsPerSecond} rows/s, longest batch ${Math.round(result.backfill.longestBatchMs)} ms; failed queries: ${failedQueries(result)}`,
        );
      } finally {
        await clone.drop();
      }
    }
    process.stdout.write(`results: ${join(out, `${name}.md`)}\n`);
  } finally {
    await server.stop();
  }
});

function failedQueries(result: Pick<RolloutResult, "latency">): number {
  const { previous, next } = result.latency;
  return previous.before.failed + previous.during.failed + next.during.failed + next.after.failed;
}

function rolloutMarkdown(
  results: { startedAt: string; scale: number; runs: Run[] } & Pick<BenchResults, "machine" | "rows">,
): string {
  const ms = (value: number) => `${Math.round(value * 10) / 10} ms`;
  const [first] = results.runs;
  const latencyRows = results.runs.flatMap((run) => {
    const row = (version: string, window: string, s: RolloutResult["latency"]["previous"]["before"]) =>
      `| ${run.label} | ${version} | ${window} | ${s.queries} | ${s.failed} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} |`;
    const { previous, next } = run.latency;
    return [
      row("previous", "before the expand", previous.before),
      row("previous", "expand → contract", previous.during),
      row("previous", "backfill", previous.backfill),
      row("new", "backfill", next.backfill),
      row("new", "expand → contract", next.during),
      row("new", "after the contract", next.after),
    ];
  });
  return [
    `# Rollout under live load, scale ${results.scale} (${results.startedAt})`,
    "",
    `${machineLine(results.machine)} Shared with other jobs while it ran.`,
    "",
    rowsLine(results.rows),
    "",
    `The change: the new application version's drizzle table stores reports.extension_sha256 as text instead of varchar(64); pnpm db:generate's code wrote the pair (${first?.expand}: shadow column, sync trigger, backfill of reports, the version schema's view; ${first?.contract}). The previous version (committed schema and hot-path queries: heartbeats, report batches) and the new one (createDb with schemaVersion: typed drizzle reads of an agent's reports and updates of one report's hash) run concurrently; the migrator applies the expand, backfills reports, holds the contract, and applies it once the previous version is stopped. Once per backfill setting, each on a fresh copy of the data.`,
    "",
    "| backfill batches | rows | batches | largest batch | rolled back and retried | rows/s | longest batch | p99 previous / new during the backfill | failed queries |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...results.runs.map(
      (run) =>
        `| ${run.label}: ${run.backfillNote} | ${run.backfill.rows.toLocaleString("en")} | ${run.backfill.batches.toLocaleString("en")} | ${run.backfill.largestBatch.toLocaleString("en")} | ${run.backfill.retried} | ${run.backfill.rowsPerSecond.toLocaleString("en")} | ${ms(run.backfill.longestBatchMs)} | ${ms(run.latency.previous.backfill.p99)} / ${ms(run.latency.next.backfill.p99)} | ${failedQueries(run)} |`,
    ),
    "",
    ...results.runs.map(
      (run) =>
        `- ${run.label}: phases (s since the load started) ${run.phases.map((p) => `${p.name} ${(p.start / 1000).toFixed(1)}–${(p.end / 1000).toFixed(1)}`).join(", ")}; held after the expand: ${run.held ?? "nothing"}; p99 of the previous version during the rollout / before it: ${run.p99Ratio}; failed queries: ${run.failures.length === 0 ? "none" : run.failures.join("; ")}.`,
    ),
    "",
    "| backfill batches | version | window | queries | failed | p50 | p99 | max |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...latencyRows,
    "",
    ...results.runs.flatMap((run) => [`![${run.label}](${run.chart})`, ""]),
  ].join("\n");
}
