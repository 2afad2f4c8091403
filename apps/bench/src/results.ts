import { mkdir, writeFile } from "node:fs/promises";
import { cpus, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import type { ComplianceStateDifferences } from "@devtools-sync/db/queries";
import { formatLockPlanMarkdown } from "@devtools-sync/migrate-core";
import type pg from "pg";
import type { TableLoad } from "./data/load";
import type { ScalePlan } from "./data/plan";
import type { ExportResult } from "./export";
import type { HotPathResult } from "./hot-paths";
import type { IngestResult } from "./ingest";
import type { LiveMigrationResult } from "./live-migration";

/** Everything one bench run measured, and where. */
export interface BenchResults {
  startedAt: string;
  scale: number;
  machine: {
    cpu: string;
    cores: number;
    memoryGb: number;
    os: string;
    node: string;
    postgres: string;
    settings: Record<string, string>;
  };
  rows: Record<string, number>;
  /** How the scale data loaded, when this run loaded it. */
  load: TableLoad[] | null;
  /** Migrations applied to the copy of the loaded data before measuring (data loaded before they landed). */
  migrated: string[];
  /** Seconds the migrator took to bring the copy up to the committed migrations (backfills included). */
  migratedSeconds: number;
  /**
   * The compliance state after the run's writes (ingest, live load) against its full recomputation:
   * rows that differ per state table (all zeros when exact), and the check's seconds.
   */
  complianceState: ComplianceStateDifferences & { seconds: number };
  hotPaths: HotPathResult[];
  exportLargest: ExportResult;
  /** Plans were explained with sequential scans priced out (tiny data; see explain()). */
  indexesOnly: boolean;
  ingest: IngestResult;
  liveMigration: Omit<LiveMigrationResult, "samples">;
}

/** The machine, and the rows of a loaded scale (plan's counts plus the tables' real ones), for a run's header. */
export async function describeRun(
  client: pg.Pool | pg.ClientBase,
  plan: ScalePlan,
): Promise<Pick<BenchResults, "machine" | "rows">> {
  const { rows } = await client.query(
    "SELECT (SELECT count(*) FROM reports)::int AS reports, (SELECT count(*) FROM audit_log)::int AS audit_log",
  );
  return {
    machine: await machineOf(client),
    rows: { ...planRows(plan), reports: rows[0].reports, auditLog: rows[0].audit_log },
  };
}

/** The machine this process runs on and the PostgreSQL server `client` is connected to. */
async function machineOf(client: pg.Pool | pg.ClientBase): Promise<BenchResults["machine"]> {
  const { rows: settings } = await client.query(
    "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'random_page_cost') ORDER BY name",
  );
  const { rows: version } = await client.query("SELECT split_part(version(), ' on ', 1) AS v");
  return machine(
    version[0].v,
    Object.fromEntries(settings.map((s) => [s.name, `${s.setting}${s.unit ? ` ${s.unit}` : ""}`])),
  );
}

function machine(postgres: string, settings: Record<string, string>): BenchResults["machine"] {
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    postgres,
    settings,
  };
}

function planRows(plan: ScalePlan): Record<string, number> {
  return { groups: plan.groups, agents: plan.agents, extensions: plan.extensions, auditEvents: plan.auditEvents };
}

/** "Machine: …": where a run ran, for the top of its page. */
export function machineLine(m: BenchResults["machine"]): string {
  const settings = Object.entries(m.settings).map(([k, v]) => `${k}=${v}`);
  return `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}, ${m.postgres} (${settings.join(", ")}).`;
}

export function rowsLine(rows: Record<string, number>): string {
  return `Rows: ${Object.entries(rows)
    .map(([table, n]) => `${table} ${n.toLocaleString("en")}`)
    .join(", ")}.`;
}

/** The run as a markdown page: machine, hot paths, ingest, live migration. */
export function markdown(results: BenchResults, chartFile: string): string {
  const lines = [
    `# Bench, scale ${results.scale} (${results.startedAt})`,
    "",
    machineLine(results.machine),
    "",
    rowsLine(results.rows),
    "",
    `Migrations applied to the copy of the loaded data before measuring: ${results.migrated.join(", ") || "none"} (${results.migratedSeconds} s).`,
    "",
    `Compliance state after the run's writes against its full recomputation: ${Object.entries(results.complianceState)
      .filter(([key]) => key !== "seconds")
      .map(([table, n]) => `${table} ${n} rows differ`)
      .join(", ")} (checked in ${results.complianceState.seconds} s).`,
    "",
  ];
  if (results.load) {
    lines.push("## Data load (COPY)", "", "| table | rows | seconds | rows/s |", "| --- | ---: | ---: | ---: |");
    for (const t of results.load)
      lines.push(
        `| ${t.table} | ${t.rows.toLocaleString("en")} | ${t.seconds.toFixed(1)} | ${t.rowsPerSecond.toLocaleString("en")} |`,
      );
    lines.push("");
  }
  lines.push(
    "## Hot paths",
    "",
    "Latency in ms over the iterations; buffers = shared buffers hit + read in one `EXPLAIN (ANALYZE, BUFFERS)` run.",
    ...(results.indexesOnly
      ? ["Plans explained with `enable_seqscan = off` (data too small for the planner to want an index)."]
      : []),
    "",
    "| hot path | group (agents) | p50 | p95 | p99 | rows | buffers | buffers/row | temp blocks | indexes used | seq scans | table reads |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
  );
  for (const h of results.hotPaths) {
    lines.push(
      `| ${h.name} | ${h.group} (${h.groupAgents}) | ${h.latencyMs.p50} | ${h.latencyMs.p95} | ${h.latencyMs.p99} | ${h.resultRows} | ${h.plan.buffers} | ${h.buffersPerRow} | ${h.plan.tempBlocks} | ${h.plan.indexes.join(", ") || "none"} | ${h.plan.seqScans.join(", ") || "none"} | ${h.plan.scans} |`,
    );
  }
  const e = results.exportLargest;
  lines.push(
    "",
    "## Export of the largest group's violations",
    "",
    `${e.rows.toLocaleString("en")} violations of a group of ${e.groupAgents.toLocaleString("en")} agents:`,
    "",
    "| method | seconds |",
    "| --- | ---: |",
    `| \`exportViolations\` (server-side cursor, 1,000 rows a FETCH) | ${e.exportSeconds} |`,
    `| \`COPY (same query) TO STDOUT\` | ${e.copySeconds} |`,
    `| **ratio** (goal ≤ 2) | **${e.ratio}** |`,
    "",
    `Process heap: ${e.heapBeforeMb} MB before, at most ${e.heapMaxMb} MB during; every 10% of the rows${e.heapAfterGc ? " (after a forced garbage collection: the memory still in use)" : " (no forced garbage collection: run node with --expose-gc to see the memory in use)"}: ${e.heapSamplesMb.join(", ")} MB.`,
  );
  const i = results.ingest;
  lines.push(
    "",
    "## Ingest",
    "",
    "One connection, batches one after another; row versions written from `pg_stat_user_tables`:",
    "",
    "| workload | batches | entries | new or changed | rows/s | reports inserted | reports updated (HOT) | agents updated (HOT) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...i.scenarios.map(
      (x) =>
        `| ${x.name} | ${x.batches} | ${x.rows.toLocaleString("en")} | ${x.changedRows.toLocaleString("en")} | ${x.rowsPerSecond.toLocaleString("en")} | ${x.reports.inserted.toLocaleString("en")} | ${x.reports.updated.toLocaleString("en")} (${x.reports.hotUpdated.toLocaleString("en")}) | ${x.agents.updated.toLocaleString("en")} (${x.agents.hotUpdated.toLocaleString("en")}) |`,
    ),
    `| \`COPY\` of the re-reported rows into an unindexed copy of \`reports\` | | | | ${i.copyRowsPerSecond.toLocaleString("en")} | | | |`,
    "",
    `Re-report over COPY: **${i.ratio}**. Every write pays for the indexes ${i.indexes.map((x) => `\`${x}\``).join(", ")}, the foreign keys ${i.foreignKeys.map((x) => `\`${x}\``).join(", ")}, and the conflict check on the unique key.`,
    "",
    `What each index costs its table's writes: first-report ingest into reports (${i.indexCosts.baseline.reports.toLocaleString("en")} rows/s with every index) and heartbeats on agents (${i.indexCosts.baseline.agents.toLocaleString("en")}/s), each without the index, in a transaction rolled back afterwards. Which read path uses it: the hot paths' plans above.`,
    "",
    "| table | index | rate without it | read paths using it |",
    "| --- | --- | ---: | --- |",
    ...i.indexCosts.costs.map(
      (c) =>
        `| ${c.table} | \`${c.index}\` | ${c.withoutPerSecond === null ? c.note : c.withoutPerSecond.toLocaleString("en")} | ${
          [...new Set(results.hotPaths.filter((h) => h.plan.indexes.includes(c.index)).map((h) => h.name))].join(
            "; ",
          ) || "none"
        } |`,
    ),
  );
  const l = results.liveMigration;
  lines.push(
    "",
    "## Migrations under live load",
    "",
    `${l.connections} connections, ${l.ratePerSecond} queries/s (half heartbeats, half report batches of ${l.batchSize}); migrator \`lock_timeout\` ${l.lockTimeoutMs} ms, ${l.lockTimeoutRetries} lock-timeout retries; a report held a transaction open on \`reports\` for the first ${(l.blockerMs / 1000).toFixed(1)} s of the migrations.`,
    "",
    "Measured duration of each migration next to the lock plan's estimate (`migrator plan`, made against this database before the load started): the sum of the estimated hold times of its statements that scan or rewrite.",
    "",
    "| migration | seconds (measured, under load) | estimated scan/rewrite seconds | verdicts |",
    "| --- | ---: | ---: | --- |",
    ...l.migrations.map((w) => {
      const statements = l.lockPlan.statements.filter((s) => s.migration === w.name);
      const estimate = statements.reduce((sum, s) => sum + (s.estimatedHoldMs ?? 0), 0);
      return `| ${w.name} | ${((w.end - w.start) / 1000).toFixed(2)} | ${(estimate / 1000).toFixed(2)} | ${statements.map((s) => s.verdict).join(", ")} |`;
    }),
    "",
    "| phase | queries | failed | p50 ms | p95 ms | p99 ms | max ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...(["before", "during", "after"] as const).map((phase) => {
      const p = l.phases[phase];
      return `| ${phase} | ${p.queries} | ${p.failed} | ${p.p50} | ${p.p95} | ${p.p99} | ${p.max} |`;
    }),
    "",
    `p99 during / before: **${l.p99Ratio}** (target ≤ 2). Slowest query during the migrations: ${l.slowestDuringMs} ms (lock_timeout ${l.lockTimeoutMs} ms). Failed queries: ${l.failures.length === 0 ? "none" : l.failures.join("; ")}.`,
    "",
    `![latency over time](${chartFile})`,
    "",
    formatLockPlanMarkdown(l.lockPlan, "Lock plan of the live migrations against this database"),
    "",
  );
  return lines.join("\n");
}

/** Writes `<name>.json`, `<name>.md` and `<name>.svg` to `folder`; returns the markdown path. */
export async function writeResults(folder: string, results: BenchResults, chart: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  const name = `scale-${results.scale}-${results.startedAt.replace(/[:.]/g, "").slice(0, 15)}`;
  await writeFile(join(folder, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(folder, `${name}.svg`), chart);
  const path = join(folder, `${name}.md`);
  await writeFile(path, markdown(results, `${name}.svg`));
  return path;
}
