import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withClient } from "@devtools-sync/local-postgres";
import { latencyChart } from "./chart";
import type { ScalePlan } from "./data/plan";
import { type LiveMigrationResult, runLiveMigration } from "./live-migration";
import { type BenchResults, describeRun, machineLine, rowsLine } from "./results";

// The live-migration scenario (a report holds `reports` open while the migrator starts) run once
// per lock_timeout on a fresh copy of the same data, side by side: how long the application's
// queries wait behind a migrator that waits for its lock.

/** One run of the scenario at one lock_timeout. */
export interface LockTimeoutRun {
  live: Omit<LiveMigrationResult, "samples">;
  /** Application queries slower than the lock_timeout, before and during the migrations. */
  slowerThanBound: { before: number; during: number };
  chart: string;
}

export interface LockTimeoutOptions {
  /** A fresh throwaway copy of the scale data, at the latest migration, for each run. */
  copy: () => Promise<{ url: string; drop: () => Promise<void> }>;
  scale: number;
  plan: ScalePlan;
  now: Date;
  lockTimeouts: number[];
  steadySeconds: number;
  blockerMs: number;
  progress: (line: string) => void;
}

/** Runs the scenario once per lock_timeout, each on a fresh copy; the machine and rows from the first copy. */
export async function compareLockTimeouts(
  options: LockTimeoutOptions,
): Promise<Pick<LockTimeoutComparison, "machine" | "rows" | "runs">> {
  const runs: LockTimeoutRun[] = [];
  let about: Pick<BenchResults, "machine" | "rows"> | undefined;
  for (const lockTimeoutMs of options.lockTimeouts) {
    options.progress(`live migration at lock_timeout ${lockTimeoutMs} ms`);
    const clone = await options.copy();
    try {
      about ??= await withClient(clone.url, (client) => describeRun(client, options.plan));
      const { samples, ...live } = await runLiveMigration({
        url: clone.url,
        plan: options.plan,
        now: options.now,
        steadySeconds: options.steadySeconds,
        connections: 4,
        ratePerSecond: 100,
        batchSize: 50,
        lockTimeoutMs,
        blockerMs: options.blockerMs,
      });
      const start = Math.min(...live.migrations.map((m) => m.start));
      const end = Math.max(...live.migrations.map((m) => m.end));
      const slower = (from: number, to: number) =>
        samples.filter((s) => s.at >= from && s.at < to && s.ms > lockTimeoutMs).length;
      runs.push({
        live,
        slowerThanBound: { before: slower(0, start), during: slower(start, end) },
        chart: latencyChart(
          `Application latency while migrating reports, lock_timeout ${lockTimeoutMs} ms (scale ${options.scale})`,
          samples,
          live.migrations,
          lockTimeoutMs,
        ),
      });
      options.progress(
        `lock_timeout ${lockTimeoutMs} ms: slowest query before ${live.phases.before.max} ms, during ${live.phases.during.max} ms, ${live.lockTimeoutRetries} retries`,
      );
    } finally {
      await clone.drop();
    }
  }
  if (!about) throw new Error("no lock_timeout to run the scenario at");
  return { ...about, runs };
}

/** One comparison run, and where. */
export interface LockTimeoutComparison {
  startedAt: string;
  scale: number;
  machine: BenchResults["machine"];
  rows: Record<string, number>;
  runs: LockTimeoutRun[];
}

export function lockTimeoutMarkdown(result: LockTimeoutComparison, chartFiles: string[]): string {
  const runs = result.runs;
  const first = runs[0]?.live;
  const row = (label: string, cell: (run: LockTimeoutRun) => string | number) =>
    `| ${label} | ${runs.map((run) => cell(run)).join(" | ")} |`;
  const migrations = first?.migrations.map((m) => m.name) ?? [];
  return [
    `# Live migration at different lock_timeouts, scale ${result.scale} (${result.startedAt})`,
    "",
    machineLine(result.machine),
    "",
    rowsLine(result.rows),
    "",
    `Each column is a fresh copy of the same data. ${first ? `${first.connections} connections write ${first.ratePerSecond} queries/s (half heartbeats, half report batches of ${first.batchSize}); after the steady phase a report opens a transaction on \`reports\` and keeps it ${(first.blockerMs / 1000).toFixed(1)} s while the migrator applies the bench's live migrations (the first needs ACCESS EXCLUSIVE on \`reports\`, so it queues behind the report, and the application's writes queue behind it until its lock_timeout gives up).` : ""} A query's time is its wait plus its own work: compare with the slowest query before the migrations.`,
    "",
    `| | ${runs.map((run) => `lock_timeout ${run.live.lockTimeoutMs} ms`).join(" | ")} |`,
    `| --- | ${runs.map(() => "---:").join(" | ")} |`,
    row("lock-timeout retries", (run) => run.live.lockTimeoutRetries),
    row("queries before / during / after", (run) =>
      (["before", "during", "after"] as const).map((p) => run.live.phases[p].queries).join(" / "),
    ),
    row("failed queries", (run) =>
      (["before", "during", "after"] as const).reduce((sum, p) => sum + run.live.phases[p].failed, 0),
    ),
    row("p99 before / during, ms", (run) => `${run.live.phases.before.p99} / ${run.live.phases.during.p99}`),
    row("slowest query before, ms", (run) => run.live.phases.before.max),
    row("**slowest query during the migrations, ms**", (run) => `**${run.live.phases.during.max}**`),
    row(
      "queries slower than the lock_timeout before / during",
      (run) => `${run.slowerThanBound.before} / ${run.slowerThanBound.during}`,
    ),
    ...migrations.map((name) =>
      row(`${name}, s`, (run) => {
        const window = run.live.migrations.find((m) => m.name === name);
        return window ? ((window.end - window.start) / 1000).toFixed(2) : "";
      }),
    ),
    "",
    ...runs.flatMap((run, i) => [`![lock_timeout ${run.live.lockTimeoutMs} ms](${chartFiles[i]})`, ""]),
  ].join("\n");
}

/** Writes `lock-timeouts-scale-<N>-<time>.{json,md}` and one SVG per run; returns the Markdown path. */
export async function writeLockTimeoutResults(folder: string, result: LockTimeoutComparison): Promise<string> {
  await mkdir(folder, { recursive: true });
  const name = `lock-timeouts-scale-${result.scale}-${result.startedAt.replace(/[:.]/g, "").slice(0, 15)}`;
  const chartFiles = result.runs.map((run) => `${name}-${run.live.lockTimeoutMs}ms.svg`);
  for (const [i, run] of result.runs.entries()) await writeFile(join(folder, chartFiles[i] as string), run.chart);
  const { runs, ...rest } = result;
  const json = { ...rest, runs: runs.map(({ chart, ...run }) => run) };
  await writeFile(join(folder, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  const path = join(folder, `${name}.md`);
  await writeFile(path, lockTimeoutMarkdown(result, chartFiles));
  return path;
}
