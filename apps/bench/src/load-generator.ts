import { createDb } from "@devtools-sync/db/client";
import { recordHeartbeat, upsertReportBatch } from "@devtools-sync/db/queries";
import { groupOfAgent, type ScalePlan } from "./data/plan";
import { below, randomFrom } from "./data/random";
import { agentId, groupId, reportsOfAgent, userHashOf } from "./data/rows";
import { type Percentiles, percentiles } from "./stats";

/** One application query the generator sent. */
export interface LoadSample {
  /** Start, in ms since the generator started. */
  at: number;
  ms: number;
  kind: "heartbeat" | "report" | "previous" | "next";
  error?: string;
}

export interface LoadOptions {
  url: string;
  plan: ScalePlan;
  now: Date;
  /** Connections, each sending one query at a time. */
  connections: number;
  /** Queries per second across all connections; a slow query delays its connection's next one. */
  ratePerSecond: number;
  /** Entries per report batch. */
  batchSize: number;
}

/** A running load generator: `stop()` ends it and returns every sample. */
export interface RunningLoad {
  startedAt: number;
  stop(): Promise<LoadSample[]>;
}

/**
 * Writes heartbeats and report batches (half each) at a steady rate through the real hot-path
 * functions, like a fleet of agents: each query picks a random agent and re-reports part of its
 * extensions.
 */
export function startLoad(options: LoadOptions): RunningLoad {
  const startedAt = performance.now();
  const samples: LoadSample[] = [];
  let running = true;
  const interval = (1000 * options.connections) / options.ratePerSecond;
  const worker = async (index: number) => {
    const db = createDb(options.url, { max: 1 });
    const random = randomFrom(index + 1);
    let next = performance.now() + (interval * index) / options.connections;
    try {
      while (running) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (!running) break;
        next += interval;
        const agent = below(random, options.plan.agents);
        const group = groupId(groupOfAgent(options.plan, agent));
        const kind = random() < 0.5 ? "heartbeat" : "report";
        const start = performance.now();
        const sample: LoadSample = { at: start - startedAt, ms: 0, kind };
        try {
          if (kind === "heartbeat") await recordHeartbeat(db, group, agentId(agent));
          else {
            const entries = reportsOfAgent(options.plan, agent, options.now).slice(0, options.batchSize);
            await upsertReportBatch(db, {
              agentId: agentId(agent),
              groupId: group,
              userHash: userHashOf(agent),
              entries,
            });
          }
        } catch (error) {
          sample.error =
            error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
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
    startedAt,
    async stop() {
      running = false;
      await Promise.all(workers);
      return samples.sort((a, b) => a.at - b.at);
    },
  };
}

/** Latency of the application's queries in one phase of a run. */
export type PhaseLatency = Percentiles & { queries: number; failed: number };

/** The samples of queries started in [from, to) ms: percentiles, count and failures. */
export function latencyBetween(samples: LoadSample[], from: number, to: number): PhaseLatency {
  const inPhase = samples.filter((sample) => sample.at >= from && sample.at < to);
  return {
    ...percentiles(inPhase.map((sample) => sample.ms)),
    queries: inPhase.length,
    failed: inPhase.filter((sample) => sample.error).length,
  };
}
