import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatLockPlanMarkdown, type LockPlan, modeName, oneLine } from "@devtools-sync/migrate-core";
import type { AppliedUnderLoad, HistoryMigration, HistoryResult } from "./history";
import { type BenchResults, machineLine, rowsLine } from "./results";

/** One `pnpm --filter @devtools-sync/bench history` run, and where. */
export interface HistoryRun {
  startedAt: string;
  scale: number;
  machine: BenchResults["machine"];
  rows: Record<string, number>;
  history: HistoryResult;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

/** Measured seconds, or how long it tried before giving up (and, if it was then applied with no load, how long that took). */
function measuredCell(x: AppliedUnderLoad): string {
  if (!x.failedUnderLoad) return seconds(x.measuredMs);
  return `failed after ${seconds(x.measuredMs)} s${x.quietMs === undefined ? "" : `; ${seconds(x.quietMs)} with no load`}`;
}

const lockList = (x: HistoryMigration) =>
  x.upFront ? x.upFront.locks.map((lock) => `${lock.table} ${modeName(lock.mode)}`).join(", ") : "";

/** Every migration's plan in one, for the statement-by-statement table. */
function mergedPlan(history: HistoryResult): LockPlan | null {
  const plans = history.migrations.map((m) => m.lockPlan);
  const first = plans[0];
  if (!first) return null;
  return {
    serverVersion: first.serverVersion,
    statements: plans.flatMap((plan) => plan.statements),
    notes: plans.flatMap((plan) => plan.notes),
    cycles: plans.flatMap((plan) => plan.cycles),
    tables: [...new Map(plans.flatMap((plan) => plan.tables).map((table) => [table.table, table])).values()],
    blockers: plans.flatMap((plan) => plan.blockers),
    samples: plans.flatMap((plan) => plan.samples),
  };
}

function workOn(statement: LockPlan["statements"][number]): string {
  const words = { rewrite: "rewrites", "index-build": "builds an index on", scan: "scans" } as const;
  return statement.work
    .map((w) => `${words[w.kind]} ${w.table} (${Math.round(w.rows).toLocaleString("en")} rows)`)
    .join(", ");
}

/** The run as Markdown: per migration, the plan's estimate next to the measured duration; then the full plan. */
export function historyMarkdown(run: HistoryRun): string {
  const h = run.history;
  const lines = [
    `# Committed migrations: lock plan vs measured, scale ${run.scale} (${run.startedAt})`,
    "",
    machineLine(run.machine),
    "",
    rowsLine(run.rows),
    "",
    `A copy of the scale data was rolled back with the migrator's down migrations to \`${h.base}\` (${h.rolledBack.length} down migrations, ${seconds(h.rollbackMs)} s). Then each later migration in turn was the pending one${h.only ? ` (measured: those starting with ${h.only.join(", ")}; the others were applied with no load, and the walk stopped after the last one measured)` : ""}: \`migrator plan\`'s lock plan (measured on a scratch database at the version before it, with ${h.sampleRows.toLocaleString("en")} sample rows per table it names, scored against this copy's sizes and sessions) was made with no load running; then the migrator applied it (\`lock_timeout\` ${h.lockTimeoutMs} ms) after ${seconds(h.steadyMs)} s of application load, which kept running until it committed (${h.connections} connections, ${h.ratePerSecond} queries/s, half heartbeats, half report batches of ${h.batchSize}).`,
    "",
    "Estimated: the sum of the plan's hold-time estimates of the migration's statements that scan, rewrite or build an index (target bytes ÷ the bytes per ms the same statement managed on the sample rows); of which blocking: those whose verdict is *blocks reads* or *blocks writes*. Measured: from the migrator's start of the migration to its commit, lock-timeout retries included. Locks up front: the plan found that the migration holds one table while asking for another (a lock cycle with the application is possible), so the migrator took these locks first, in this order.",
    "",
    "| migration | verdicts | locks up front | estimated s | of which blocking s | measured s (under load) | lock-timeout retries | app queries during (failed) | app p99 / max ms during | app max ms just before |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...h.migrations.map((x) => {
      const verdicts = Object.entries(
        x.lockPlan.statements.reduce<Record<string, number>>((count, s) => {
          count[s.verdict] = (count[s.verdict] ?? 0) + 1;
          return count;
        }, {}),
      )
        .map(([verdict, n]) => `${n} ${verdict}`)
        .join(", ");
      return `| ${x.name} | ${verdicts || "no statement"} | ${lockList(x)} | ${seconds(x.estimatedMs)} | ${seconds(x.estimatedBlockingMs)} | ${measuredCell(x)} | ${x.lockTimeoutRetries} | ${x.during.queries} (${x.during.failed}) | ${x.during.p99} / ${x.during.max} | ${x.before.max} |`;
    }),
    "",
    `Failed application queries: ${h.failures.length === 0 ? "none" : h.failures.join("; ")}.`,
    ...h.migrations.flatMap((x) =>
      x.failedUnderLoad ? ["", `${x.name} failed under load: ${x.failedUnderLoad}`] : [],
    ),
  ];
  const compared = h.migrations.filter((x) => x.pairs);
  if (compared.length > 0) {
    const cells = (x: AppliedUnderLoad) =>
      `${measuredCell(x)} | ${x.lockTimeoutRetries} | ${x.during.p99} / ${x.during.max}`;
    lines.push(
      "",
      "## Lock cycles: the migrator without and with its locks up front, under the same load",
      "",
      `Each migration below was applied as the migrator did before it took locks up front (rolled back if it got through), then with them (in the order of the table above); ${h.repeat} time(s), rolled back in between; each application under the load above, after its own seconds of load.`,
      "",
      "| migration | run | without: measured s | retries | app p99 / max ms | with: measured s | retries | app p99 / max ms |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...compared.flatMap((x) =>
        (x.pairs ?? []).map((pair, i) => `| ${x.name} | ${i + 1} | ${cells(pair.without)} | ${cells(pair.with)} |`),
      ),
      "",
      ...compared.map((x) => {
        const pairs = x.pairs ?? [];
        const tally = (side: "without" | "with") =>
          `${pairs.filter((pair) => pair[side].failedUnderLoad).length} of ${pairs.length} failed, ${pairs.reduce((n, pair) => n + pair[side].lockTimeoutRetries, 0)} lock-timeout retries in all, slowest app query ${Math.max(...pairs.map((pair) => pair[side].during.max))} ms`;
        return `- ${x.name}: without locks up front ${tally("without")}; with them ${tally("with")}.`;
      }),
    );
  }
  const plan = mergedPlan(h);
  if (plan) {
    const working = plan.statements.filter((s) => s.work.length > 0);
    lines.push(
      "",
      "## Statements that scan, rewrite or build an index",
      "",
      "| migration | # | statement | verdict | work (copy's rows) | estimated s |",
      "| --- | ---: | --- | --- | --- | ---: |",
      ...working.map(
        (s) =>
          `| ${s.migration} | ${s.position} | \`${oneLine(s.sql, 90).replace(/\|/g, "\\|")}\` | ${s.verdict} | ${workOn(s)} | ${seconds(s.estimatedHoldMs ?? 0)} |`,
      ),
      "",
      formatLockPlanMarkdown(plan, "Lock plan of every committed migration, each at the version before it"),
    );
  }
  lines.push("");
  return lines.join("\n");
}

/** Writes `history-scale-<N>-<time>.{json,md}` to `folder`; returns the Markdown path. */
export async function writeHistoryResults(folder: string, run: HistoryRun): Promise<string> {
  await mkdir(folder, { recursive: true });
  const name = `history-scale-${run.scale}-${run.startedAt.replace(/[:.]/g, "").slice(0, 15)}`;
  await writeFile(join(folder, `${name}.json`), `${JSON.stringify(run, null, 2)}\n`);
  const path = join(folder, `${name}.md`);
  await writeFile(path, historyMarkdown(run));
  return path;
}
