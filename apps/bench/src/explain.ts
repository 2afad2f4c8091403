import type { Database } from "@devtools-sync/db/client";
import pg from "pg";

/** A statement as the driver sent it. */
export interface SentQuery {
  text: string;
  values: unknown[];
}

/** What `EXPLAIN (ANALYZE, BUFFERS)` says about one run of a statement. */
export interface PlanSummary {
  /** Shared buffers the execution touched (hit + read): the cost that does not depend on machine noise. */
  buffers: number;
  /** Temporary-file blocks read and written: sorts and hashes that did not fit in work_mem. */
  tempBlocks: number;
  rows: number;
  /** Every index the plan reads. */
  indexes: string[];
  /** Tables read by a sequential scan. */
  seqScans: string[];
  /** How each table is read, e.g. `Index Only Scan on reports, Bitmap Heap Scan on agents`. */
  scans: string;
}

/**
 * Runs `action` and returns the statements it sent on any connection (the pool's own queries and a
 * transaction's alike: each goes through a `pg.Client`), with `(text, values)` or `{ text, values }`.
 */
export async function capture(action: () => Promise<unknown>): Promise<SentQuery[]> {
  const prototype = pg.Client.prototype;
  const original = prototype.query;
  const sent: SentQuery[] = [];
  prototype.query = function (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) {
    if (typeof config === "string") sent.push({ text: config, values: Array.isArray(values) ? values : [] });
    else if (config && typeof config === "object" && "text" in config) {
      const query = config as { text: string; values?: unknown[] };
      sent.push({ text: query.text, values: Array.isArray(values) ? values : (query.values ?? []) });
    }
    return (original as (...args: unknown[]) => unknown).call(this, config, values, callback);
  } as typeof prototype.query;
  try {
    await action();
  } finally {
    prototype.query = original;
  }
  return sent;
}

const CONTROL = /^\s*(begin|commit|rollback|savepoint|release)\b/i;

/** The statement to explain of those `action` sent: its last one that is not transaction control. */
export function explained(sent: SentQuery[]): SentQuery | undefined {
  return sent.filter((q) => !CONTROL.test(q.text)).at(-1);
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  "Temp Read Blocks"?: number;
  "Temp Written Blocks"?: number;
  Plans?: PlanNode[];
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of `query`, run inside a transaction that is rolled back. With
 * `indexesOnly`, sequential scans are priced out (`enable_seqscan = off`): on a table of a few
 * pages the planner rightly prefers one, and this asks instead whether an index can serve the query.
 */
export async function explain(db: Database, query: SentQuery, indexesOnly = false): Promise<PlanSummary> {
  const client = await db.$client.connect();
  try {
    await client.query("BEGIN");
    if (indexesOnly) await client.query("SET LOCAL enable_seqscan = off");
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query.text}`, query.values);
    const plan = (rows[0]["QUERY PLAN"] as { Plan: PlanNode }[])[0]?.Plan as PlanNode;
    return summarize(plan);
  } finally {
    await client.query("ROLLBACK");
    client.release();
  }
}

export function summarize(plan: PlanNode): PlanSummary {
  const indexes = new Set<string>();
  const seqScans = new Set<string>();
  const scans = new Set<string>();
  const walk = (node: PlanNode) => {
    if (node["Index Name"]) indexes.add(node["Index Name"]);
    if (node["Relation Name"]) scans.add(`${node["Node Type"]} on ${node["Relation Name"]}`);
    if (node["Node Type"] === "Seq Scan" && node["Relation Name"]) seqScans.add(node["Relation Name"]);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  return {
    buffers: (plan["Shared Hit Blocks"] ?? 0) + (plan["Shared Read Blocks"] ?? 0),
    tempBlocks: (plan["Temp Read Blocks"] ?? 0) + (plan["Temp Written Blocks"] ?? 0),
    rows: plan["Actual Rows"] ?? 0,
    indexes: [...indexes].sort(),
    seqScans: [...seqScans].sort(),
    scans: [...scans].join(", "),
  };
}
