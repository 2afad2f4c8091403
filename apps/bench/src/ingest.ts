import { agents, reports } from "@devtools-sync/db";
import type { Database } from "@devtools-sync/db/client";
import { type Queryable, type ReportBatch, recordHeartbeat, upsertReportBatch } from "@devtools-sync/db/queries";
import { sql } from "drizzle-orm";
import { copyRows } from "./data/copy";
import { groupOfAgent, type ScalePlan } from "./data/plan";
import { agent, agentId, groupId, reportsOfAgent, userHashOf } from "./data/rows";
import { batchOf } from "./hot-paths";

/** Row versions a workload wrote, from the table statistics. */
export interface Writes {
  inserted: number;
  updated: number;
  /** Of the updates, those that wrote no index entry (HOT). */
  hotUpdated: number;
}

export interface IngestScenario {
  name: string;
  batches: number;
  /** Entries sent. */
  rows: number;
  /** Entries that differ from what the database held (new or changed). */
  changedRows: number;
  rowsPerSecond: number;
  reports: Writes;
  agents: Writes;
}

export interface IndexCost {
  table: string;
  index: string;
  /** The workload's rate without the index, against {@link IndexCosts.baseline} with every index. */
  withoutPerSecond: number | null;
  /** Why it cannot be dropped to measure it (it backs a constraint). */
  note?: string;
}

export interface IndexCosts {
  /** First-report ingest (rows/s) and heartbeats (/s) with every index, measured the same way. */
  baseline: { reports: number; agents: number };
  costs: IndexCost[];
}

export interface IngestResult {
  scenarios: IngestScenario[];
  /** COPY of the re-report scenario's rows into an unindexed copy of `reports`. */
  copyRowsPerSecond: number;
  /** Re-report rows/s over COPY rows/s. */
  ratio: number;
  /** What every write pays for: the indexes and foreign keys of reports. */
  indexes: string[];
  foreignKeys: string[];
  indexCosts: IndexCosts;
}

/** Agent `agent`'s own list, with the entries whose position is `agent` mod 50 changed (2%). */
function reReport(plan: ScalePlan, agentIndex: number, now: Date): { batch: ReportBatch; changed: number } {
  let changed = 0;
  const entries = reportsOfAgent(plan, agentIndex, now).map((report, k) => {
    const entry = {
      extensionId: report.extensionId,
      installed: report.installed,
      installedVersion: report.installedVersion,
      extensionSha256: report.extensionSha256,
    };
    if ((agentIndex + k) % 50 !== 0) return entry;
    changed++;
    return { ...entry, installed: true, installedVersion: "99.0.0" };
  });
  return {
    batch: {
      agentId: agentId(agentIndex),
      groupId: groupId(groupOfAgent(plan, agentIndex)),
      userHash: userHashOf(agentIndex),
      clientIp: "10.200.0.2",
      entries,
    },
    changed,
  };
}

/** A new agent's first report: its whole list, every entry new. */
function firstReport(plan: ScalePlan, agentIndex: number, now: Date): ReportBatch {
  return { ...reReport(plan, agentIndex, now).batch, entries: reportsOfAgent(plan, agentIndex, now) };
}

/** The statistics counters of `table`, after this connection's pending counts are flushed. */
async function writesOf(db: Database, table: string): Promise<Writes> {
  await db.execute(sql`SELECT pg_stat_force_next_flush()`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await db.execute(sql`SELECT pg_stat_clear_snapshot()`);
  const { rows } = await db.$client.query(
    "SELECT n_tup_ins::int AS inserted, n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = $1",
    [table],
  );
  return { inserted: rows[0].inserted, updated: rows[0].updated, hotUpdated: rows[0].hot };
}

const minus = (a: Writes, b: Writes): Writes => ({
  inserted: a.inserted - b.inserted,
  updated: a.updated - b.updated,
  hotUpdated: a.hotUpdated - b.hotUpdated,
});

async function scenario(
  db: Database,
  name: string,
  batches: { batch: ReportBatch; changed: number }[],
): Promise<IngestScenario> {
  const reportsBefore = await writesOf(db, "reports");
  const agentsBefore = await writesOf(db, "agents");
  const started = performance.now();
  for (const { batch } of batches) await upsertReportBatch(db, batch);
  const seconds = (performance.now() - started) / 1000;
  const rows = batches.reduce((sum, { batch }) => sum + batch.entries.length, 0);
  return {
    name,
    batches: batches.length,
    rows,
    changedRows: batches.reduce((sum, { changed }) => sum + changed, 0),
    rowsPerSecond: Math.round(rows / seconds),
    reports: minus(await writesOf(db, "reports"), reportsBefore),
    agents: minus(await writesOf(db, "agents"), agentsBefore),
  };
}

/** `work`'s rate (units per second) inside a transaction that is rolled back, after `setup` ran in it. */
async function rateInRolledBack(db: Database, setup: string | null, work: (tx: Queryable) => Promise<number>) {
  let rate = 0;
  await db
    .transaction(async (tx) => {
      if (setup) await tx.execute(sql.raw(setup));
      const started = performance.now();
      const units = await work(tx);
      rate = Math.round(units / ((performance.now() - started) / 1000));
      throw new RolledBack();
    })
    .catch((error) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  return rate;
}
class RolledBack extends Error {}

/**
 * What each index of reports and agents costs its writes: first-report ingest (reports) and
 * heartbeats (agents) with every index, then without each droppable one, each run in a
 * transaction that is rolled back (the DROP INDEX too), on the same agents.
 */
async function indexCosts(db: Database, firstReports: ReportBatch[], heartbeatAgents: number[], plan: ScalePlan) {
  const ingest = async (tx: Queryable) => {
    let rows = 0;
    for (const batch of firstReports) {
      await upsertReportBatch(tx, batch);
      rows += batch.entries.length;
    }
    return rows;
  };
  const heartbeats = async (tx: Queryable) => {
    for (const index of heartbeatAgents) await recordHeartbeat(tx, groupId(groupOfAgent(plan, index)), agentId(index));
    return heartbeatAgents.length;
  };
  const workload = { reports: ingest, agents: heartbeats };
  const baseline = {
    reports: await rateInRolledBack(db, null, ingest),
    agents: await rateInRolledBack(db, null, heartbeats),
  };
  const costs: IndexCost[] = [];
  for (const table of ["reports", "agents"] as const) {
    const { rows } = await db.$client.query(
      `SELECT i.indexrelid::regclass::text AS index, c.conname IS NOT NULL AS constraint
       FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
       WHERE i.indrelid = $1::regclass ORDER BY 1`,
      [table],
    );
    for (const { index, constraint } of rows as { index: string; constraint: boolean }[]) {
      costs.push(
        constraint
          ? { table, index, withoutPerSecond: null, note: "backs a constraint" }
          : { table, index, withoutPerSecond: await rateInRolledBack(db, `DROP INDEX "${index}"`, workload[table]) },
      );
    }
  }
  return { baseline, costs };
}

/**
 * Ingest at scale, on one connection: agents re-reporting their full lists with 2% of entries
 * changed (the everyday case), new agents sending their first report, and the previous bench's
 * batch (the agent's list plus extensions new to it, 500 entries); the table statistics count the
 * row versions each wrote. Then COPY of the re-reported rows into an unindexed copy of reports,
 * and what each index costs.
 */
export async function benchIngest(db: Database, plan: ScalePlan, now: Date, batches: number): Promise<IngestResult> {
  // Agents spread over the fleet, from the end so that the hot-path runs (which use each group's first agents) do not overlap.
  const spread = (offset: number) =>
    Array.from(
      { length: batches },
      (_, i) => plan.agents - 1 - offset - Math.floor((i * plan.agents) / (batches * 3)) * 3,
    );
  const reReported = spread(0).map((index) => reReport(plan, index, now));
  const previous = spread(1).map((index) => {
    const batch = batchOf(plan, index, now);
    // Its own list is re-sent unchanged; the rest are extensions new to it.
    return {
      batch,
      changed: batch.entries.length - Math.min(batch.entries.length, reportsOfAgent(plan, index, now).length),
    };
  });
  // New agents, registered before the clock starts: their first reports are all inserts.
  const newAgents = Array.from({ length: batches }, (_, i) => plan.agents + i);
  const client = await db.$client.connect();
  try {
    await copyRows(
      client,
      agents,
      newAgents.map((index) => agent(plan, index, now)),
    );
  } finally {
    client.release();
  }
  const firstReports = newAgents.map((index) => firstReport(plan, index, now));
  const costs = await indexCosts(db, firstReports, spread(2), plan);
  const scenarios = [
    await scenario(db, "re-report, 2% changed", reReported),
    await scenario(
      db,
      "first report",
      firstReports.map((batch) => ({ batch, changed: batch.entries.length })),
    ),
    await scenario(db, "previous bench's batch (own list + new extensions, 500)", previous),
  ];
  const copyClient = await db.$client.connect();
  let copySeconds: number;
  const copied = reReported.flatMap(({ batch }) =>
    batch.entries.map((entry) => ({
      ...entry,
      agentId: batch.agentId,
      groupId: batch.groupId,
      userHash: batch.userHash,
      clientIp: batch.clientIp,
    })),
  );
  try {
    await copyClient.query("CREATE TEMP TABLE ingest_copy (LIKE reports INCLUDING DEFAULTS)");
    const copyStarted = performance.now();
    await copyRows(copyClient, reports, copied, { into: "ingest_copy" });
    copySeconds = (performance.now() - copyStarted) / 1000;
    await copyClient.query("DROP TABLE ingest_copy");
  } finally {
    copyClient.release();
  }
  const { rows: indexes } = await db.$client.query(
    "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'reports' ORDER BY indexname",
  );
  const { rows: foreignKeys } = await db.$client.query(
    "SELECT conname FROM pg_constraint WHERE conrelid = 'public.reports'::regclass AND contype = 'f' ORDER BY conname",
  );
  const copyRowsPerSecond = Math.round(copied.length / copySeconds);
  const reReportRate = (scenarios[0] as IngestScenario).rowsPerSecond;
  return {
    scenarios,
    copyRowsPerSecond,
    ratio: Math.round((1000 * reReportRate) / copyRowsPerSecond) / 1000,
    indexes: indexes.map((row) => row.indexname),
    foreignKeys: foreignKeys.map((row) => row.conname),
    indexCosts: costs,
  };
}
