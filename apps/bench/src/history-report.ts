import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatLockPlanMarkdown, type LockPlan, oneLine } from "@devtools-sync/migrate-core";
import type { HistoryResult } from "./history";
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

/** Every migration's plan in one, for the statement-by-statement table. */
function mergedPlan(history: HistoryResult): LockPlan | null {
  const plans = history.migrations.map((m) => m.lockPlan);
  const first = plans[0];
  if (!first) return null;
  return {
    serverVersion: first.serverVersion,
    statements: plans.flatMap((plan) => plan.statements),
    notes: plans.flatMap((plan) => plan.notes),
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
    `A copy of the scale data was rolled back with the migrator's down migrations to \`${h.base}\` (${h.rolledBack.length} down migrations, ${seconds(h.rollbackMs)} s). Then each later migration in turn was the pending one: \`migrator plan\`'s lock plan (measured on a scratch database at the version before it, with ${h.sampleRows.toLocaleString("en")} sample rows per table it names, scored against this copy's sizes and sessions) was made with no load running; then the migrator applied it (\`lock_timeout\` ${h.lockTimeoutMs} ms) after ${seconds(h.steadyMs)} s of application load, which kept running until it committed (${h.connections} connections, ${h.ratePerSecond} queries/s, half heartbeats, half report batches of ${h.batchSize}).`,
    "",
    "Estimated: the sum of the plan's hold-time estimates of the migration's statements that scan, rewrite or build an index (target bytes ÷ the bytes per ms the same statement managed on the sample rows); of which blocking: those whose verdict is *blocks reads* or *blocks writes*. Measured: from the migrator's start of the migration to its commit, lock-timeout retries included.",
    "",
    "| migration | verdicts | estimated s | of which blocking s | measured s (under load) | lock-timeout retries | app queries during (failed) | app p99 / max ms during | app max ms just before |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...h.migrations.map((x) => {
      const verdicts = Object.entries(
        x.lockPlan.statements.reduce<Record<string, number>>((count, s) => {
          count[s.verdict] = (count[s.verdict] ?? 0) + 1;
          return count;
        }, {}),
      )
        .map(([verdict, n]) => `${n} ${verdict}`)
        .join(", ");
      return `| ${x.name} | ${verdicts || "no statement"} | ${seconds(x.estimatedMs)} | ${seconds(x.estimatedBlockingMs)} | ${x.failedUnderLoad ? `failed after ${seconds(x.measuredMs)} s; ${seconds(x.quietMs ?? 0)} with no load` : seconds(x.measuredMs)} | ${x.lockTimeoutRetries} | ${x.during.queries} (${x.during.failed}) | ${x.during.p99} / ${x.during.max} | ${x.before.max} |`;
    }),
    "",
    `Failed application queries: ${h.failures.length === 0 ? "none" : h.failures.join("; ")}.`,
    ...h.migrations.flatMap((x) =>
      x.failedUnderLoad ? ["", `${x.name} failed under load: ${x.failedUnderLoad}`] : [],
    ),
  ];
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
