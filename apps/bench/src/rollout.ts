import { rm } from "node:fs/promises";
import { createDb } from "@devtools-sync/db/client";
import { recordHeartbeat, upsertReportBatch } from "@devtools-sync/db/queries";
import { type BackfillOptions, type BackfillResult, type MigrationEvent, migrate } from "@devtools-sync/migrate-core";
import { and, eq, inArray } from "drizzle-orm";
import pg from "pg";
import { groupOfAgent, type ScalePlan } from "./data/plan";
import { below, randomFrom } from "./data/random";
import { agentId, groupId, reportsOfAgent, userHashOf } from "./data/rows";
import type { MigrationWindow } from "./live-migration";
import type { LoadSample } from "./load-generator";
import { generatedRolloutPair, nextReports } from "./rollout-pair";
import { type Percentiles, percentiles } from "./stats";

// A rollout under live load: the previous application version (the committed schema and hot-path
// queries, writing reports.extension_sha256 as varchar(64)) and the new one (its own drizzle table,
// extension_sha256 as text, through createDb's schemaVersion) run side by side while the migrator
// applies the expand pnpm db:generate's code wrote (rollout-pair.ts), backfills reports and, once
// the previous version is stopped, applies the held contract. Every query of either version must succeed.

export interface RolloutOptions {
  url: string;
  plan: ScalePlan;
  now: Date;
  /** Seconds of load before the expand, between backfill and contract, and after the contract. */
  steadySeconds: number;
  /** Connections per application version. */
  connections: number;
  /** Queries per second per application version. */
  ratePerSecond: number;
  lockTimeoutMs: number;
  /** How the migrator's backfill runs (its defaults where left out). */
  backfill: BackfillOptions;
}

type Stats = Percentiles & { queries: number; failed: number };

export interface RolloutResult {
  options: Omit<RolloutOptions, "url" | "plan" | "now">;
  /** The generated pair's tags. */
  expand: string;
  contract: string;
  /** expand, backfill and contract, in ms since the load started. */
  phases: MigrationWindow[];
  /** What `up` said after the expand and its backfill: the contract it held. */
  held: string | null;
  backfill: BackfillResult & { rowsPerSecond: number };
  /**
   * Latency by version and by window: before the expand, from the expand to the end of the
   * contract, during the backfill alone, after the contract.
   */
  latency: Record<"previous" | "next", Record<"before" | "during" | "backfill" | "after", Stats>>;
  /** p99 of the previous version during the rollout divided by its p99 before it. */
  p99Ratio: number;
  failures: string[];
  samples: LoadSample[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One application version: `connections` loops sending `query` at `ratePerSecond` in all until stopped. */
function startVersion(
  kind: "previous" | "next",
  options: RolloutOptions,
  origin: number,
  query: (db: ReturnType<typeof createDb>, random: () => number) => Promise<unknown>,
  schemaVersion?: string,
) {
  const samples: LoadSample[] = [];
  let running = true;
  const interval = (1000 * options.connections) / options.ratePerSecond;
  const worker = async (index: number) => {
    const db = createDb(options.url, { max: 1, ...(schemaVersion === undefined ? {} : { schemaVersion }) });
    const random = randomFrom((kind === "next" ? 1000 : 1) + index);
    let next = performance.now();
    try {
      while (running) {
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
        if (!running) break;
        next += interval;
        const start = performance.now();
        const sample: LoadSample = { at: start - origin, ms: 0, kind };
        try {
          await query(db, random);
        } catch (error) {
          sample.error = `${kind}: ${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}`;
        }
        sample.ms = performance.now() - start;
        samples.push(sample);
      }
    } finally {
      await db.$client.end();
    }
  };
  const workers = Array.from({ length: options.connections }, (_, index) => worker(index));
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return samples;
    },
  };
}

/** The previous version: heartbeats and report batches through the committed hot-path queries. */
function previousVersion(options: RolloutOptions) {
  return async (db: ReturnType<typeof createDb>, random: () => number) => {
    const agent = below(random, options.plan.agents);
    const group = groupId(groupOfAgent(options.plan, agent));
    if (random() < 0.5) return recordHeartbeat(db, group, agentId(agent));
    const entries = reportsOfAgent(options.plan, agent, options.now).slice(0, 20);
    return upsertReportBatch(db, { agentId: agentId(agent), groupId: group, userHash: userHashOf(agent), entries });
  };
}

/** The new version, built against the expand's schema version: reads an agent's reports and writes one's hash. */
function nextVersion(options: RolloutOptions) {
  return async (db: ReturnType<typeof createDb>, random: () => number) => {
    const agent = below(random, options.plan.agents);
    const ofAgent = and(
      eq(nextReports.groupId, groupId(groupOfAgent(options.plan, agent))),
      eq(nextReports.agentId, agentId(agent)),
    );
    if (random() < 0.5) {
      return db
        .select({ extensionId: nextReports.extensionId, extensionSha256: nextReports.extensionSha256 })
        .from(nextReports)
        .where(ofAgent)
        .limit(50);
    }
    const first = db.select({ id: nextReports.id }).from(nextReports).where(ofAgent).orderBy(nextReports.extensionId);
    return db
      .update(nextReports)
      .set({
        extensionSha256: below(random, 2 ** 31)
          .toString(16)
          .padStart(64, "0"),
        reportedAt: new Date(),
      })
      .where(inArray(nextReports.id, first.limit(1)));
  };
}

/** Runs the rollout: previous version alone, expand + backfill, both versions, previous stopped, contract, new alone. */
export async function runRollout(options: RolloutOptions): Promise<RolloutResult> {
  const { folder, expand, contract } = await generatedRolloutPair();
  const origin = performance.now();
  const since = () => performance.now() - origin;
  const phases: MigrationWindow[] = [];
  const open = (name: string) => phases.push({ name, start: since(), end: Number.NaN });
  const close = (name: string) => {
    const phase = phases.findLast((candidate) => candidate.name === name);
    if (phase) phase.end = since();
  };
  let next: ReturnType<typeof startVersion> | null = null;
  const onEvent = (event: MigrationEvent) => {
    if (event.type === "migration-start") open(event.name === expand ? "expand" : "contract");
    if (event.type === "migration-done") {
      close(event.name === expand ? "expand" : "contract");
      // The new version is deployed once the expand is in: it needs the expand's schema version.
      if (event.name === expand) next = startVersion("next", options, origin, nextVersion(options), expand);
    }
    if (event.type === "backfill-start") open("backfill");
    if (event.type === "backfill-done") close("backfill");
  };
  const previous = startVersion("previous", options, origin, previousVersion(options));
  const client = new pg.Client({ connectionString: options.url });
  let previousSamples: LoadSample[] = [];
  let nextSamples: LoadSample[] = [];
  let held: string | null = null;
  let backfilled: BackfillResult | undefined;
  try {
    await client.connect();
    await sleep(options.steadySeconds * 1000);
    const common = { client, folder, lockTimeoutMs: options.lockTimeoutMs, backfill: options.backfill, onEvent };
    const expanded = await migrate({ ...common, hold: {} });
    held = expanded.held;
    backfilled = expanded.backfilled.find((result) => result.table === "reports");
    await sleep(options.steadySeconds * 1000);
    // Every instance of the previous version is gone: the operator releases the contract.
    previousSamples = await previous.stop();
    await migrate({ ...common, hold: { release: contract } });
    await sleep(options.steadySeconds * 1000);
  } finally {
    if (previousSamples.length === 0) previousSamples = await previous.stop();
    nextSamples = next ? await (next as ReturnType<typeof startVersion>).stop() : [];
    await client.end();
    await rm(folder, { recursive: true, force: true });
  }
  if (!backfilled) throw new Error("the expand's backfill of reports did not run");
  const rolloutStart = phases[0]?.start ?? 0;
  const rolloutEnd = phases.at(-1)?.end ?? Number.POSITIVE_INFINITY;
  const stats = (samples: LoadSample[], from: number, to: number): Stats => {
    const inWindow = samples.filter((sample) => sample.at >= from && sample.at < to);
    return {
      ...percentiles(inWindow.filter((sample) => !sample.error).map((sample) => sample.ms)),
      queries: inWindow.length,
      failed: inWindow.filter((sample) => sample.error).length,
    };
  };
  const backfillPhase = phases.find((phase) => phase.name === "backfill");
  const byWindow = (samples: LoadSample[]) => ({
    before: stats(samples, 0, rolloutStart),
    during: stats(samples, rolloutStart, rolloutEnd),
    backfill: stats(samples, backfillPhase?.start ?? 0, backfillPhase?.end ?? 0),
    after: stats(samples, rolloutEnd, Number.POSITIVE_INFINITY),
  });
  const latency = { previous: byWindow(previousSamples), next: byWindow(nextSamples) };
  const samples = [...previousSamples, ...nextSamples].sort((a, b) => a.at - b.at);
  const { url: _url, plan: _plan, now: _now, ...settings } = options;
  return {
    options: settings,
    expand,
    contract,
    phases,
    held,
    backfill: {
      ...backfilled,
      rowsPerSecond: Math.round((backfilled.rows * 1000) / Math.max(1, backfilled.durationMs)),
    },
    latency,
    p99Ratio:
      latency.previous.before.p99 > 0
        ? Math.round((100 * latency.previous.during.p99) / latency.previous.before.p99) / 100
        : 0,
    failures: [...new Set(samples.flatMap((sample) => (sample.error ? [sample.error] : [])))],
    samples,
  };
}
