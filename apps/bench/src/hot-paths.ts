import type { Database } from "@devtools-sync/db/client";
import {
  type AuditCursor,
  auditTrailPage,
  complianceSummary,
  exportViolations,
  recordHeartbeat,
  staleAgents,
  upsertReportBatch,
  type ViolationCursor,
  violationPage,
} from "@devtools-sync/db/queries";
import { groupOfAgent, type ScalePlan } from "./data/plan";
import { agentId, extensionIdOf, groupId, reportsOfAgent, userHashOf } from "./data/rows";
import { capture, explain, explained, type PlanSummary } from "./explain";
import { type Percentiles, percentiles } from "./stats";

/** Tables large enough that a sequential scan of one on a hot path is a defect. */
export const LARGE_TABLES = ["agents", "reports", "audit_log", "compliance_violations", "compliance_extensions"];

export interface HotPathResult {
  name: string;
  /** Which group it ran for: the median-sized one, or the largest. */
  group: "median" | "largest";
  groupAgents: number;
  iterations: number;
  latencyMs: Percentiles;
  /** Rows the call returned or wrote (last iteration). */
  resultRows: number;
  plan: PlanSummary;
  /** Shared buffers per row returned or written: how much more the plan touched than its result. */
  buffersPerRow: number;
}

interface HotPath {
  name: string;
  /** It writes: measured after every read, since new row versions land on pages the reads use. */
  writes?: boolean;
  /** Runs iteration `i` and returns how many rows it returned or wrote. */
  run(db: Database, i: number): Promise<number>;
}

/** The groups a read path is measured on: the median-sized one and the largest. */
function groupsOf(plan: ScalePlan): { label: "median" | "largest"; index: number }[] {
  return [
    { label: "median", index: Math.floor(plan.groups / 2) },
    { label: "largest", index: 0 },
  ];
}

/** A 500-entry batch for agent `agent`: its own extensions re-reported, then extensions new to it. */
export function batchOf(plan: ScalePlan, agent: number, now: Date, size = 500) {
  const own = reportsOfAgent(plan, agent, now).map(({ extensionId, installed, installedVersion, extensionSha256 }) => ({
    extensionId,
    installed,
    installedVersion,
    extensionSha256,
  }));
  const fresh = Array.from({ length: Math.max(0, size - own.length) }, (_, k) => ({
    extensionId: extensionIdOf(plan.extensions + k),
    installed: true,
    installedVersion: "1.0.0",
    extensionSha256: null,
  }));
  return {
    agentId: agentId(agent),
    groupId: groupId(groupOfAgent(plan, agent)),
    userHash: userHashOf(agent),
    clientIp: "10.200.0.1",
    entries: [...own, ...fresh].slice(0, size),
  };
}

function pathsFor(plan: ScalePlan, group: number, now: Date): HotPath[] {
  const id = groupId(group);
  const first = plan.firstAgentOfGroup[group] as number;
  const size = plan.agentsPerGroup[group] as number;
  const staleMinutes = 15 + Math.floor((Date.now() - now.getTime()) / 60_000);
  let cursor: AuditCursor | undefined;
  let deep: { after: ViolationCursor; extensionId: string } | undefined;
  // A cursor 90% of the way through the group's violations (found once, in the warm-up, outside
  // the timing), and the extension with the most violations, for the filtered page.
  const deepPage = async (db: Database) => {
    if (deep) return deep;
    return db.transaction(async (tx) => {
      const all: ViolationCursor[] = [];
      for await (const v of exportViolations(tx, id)) all.push(v);
      const counts = new Map<string, number>();
      for (const v of all) counts.set(v.extensionId, (counts.get(v.extensionId) ?? 0) + 1);
      const at = all[Math.floor(all.length * 0.9)] ?? all.at(-1);
      const busiest = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
      deep = {
        after: at ?? { extensionId: "", problem: "blocked", machineId: "", userHash: "" },
        extensionId: busiest,
      };
      return deep;
    });
  };
  return [
    { name: "compliance summary", run: async (db) => (await complianceSummary(db, id)).extensions.length },
    { name: "violations, first page of 100", run: async (db) => (await violationPage(db, id)).violations.length },
    {
      name: "violations, page of 100 at 90% depth (keyset)",
      run: async (db) => (await violationPage(db, id, { after: (await deepPage(db)).after })).violations.length,
    },
    {
      name: "violations of the busiest extension, first page",
      run: async (db) =>
        (await violationPage(db, id, { filter: { extensionId: (await deepPage(db)).extensionId } })).violations.length,
    },
    {
      name: "wrong-version violations, first page",
      run: async (db) => (await violationPage(db, id, { filter: { problem: "wrong_version" } })).violations.length,
    },
    // 15 minutes before the data's anchor time, however long ago the data was loaded.
    { name: "agents not seen for 15 minutes", run: async (db) => (await staleAgents(db, id, staleMinutes)).length },
    { name: "audit trail, first page of 50", run: async (db) => (await auditTrailPage(db, id, 50)).events.length },
    {
      name: "audit trail, page 20 of 50 (keyset)",
      run: async (db) => {
        // Where page 19 ends, found once (in the warm-up) and outside the timing.
        if (!cursor) {
          const { rows } = await db.$client.query(
            "SELECT created_at::text AS created_at, id FROM audit_log WHERE group_id = $1 ORDER BY created_at DESC, id DESC OFFSET 949 LIMIT 1",
            [id],
          );
          cursor = rows[0] ? { createdAt: rows[0].created_at as string, id: rows[0].id as string } : undefined;
        }
        return (await auditTrailPage(db, id, 50, cursor)).events.length;
      },
    },
    {
      name: "upsert a 500-report batch",
      writes: true,
      run: (db, i) => upsertReportBatch(db, batchOf(plan, first + (i % size), now)),
    },
    {
      name: "heartbeat",
      writes: true,
      run: async (db, i) => ((await recordHeartbeat(db, id, agentId(first + (i % size)))) ? 1 : 0),
    },
  ];
}

/**
 * Runs every hot path `iterations` times per group (after 2 warm-up runs) and explains its last
 * statement with `EXPLAIN (ANALYZE, BUFFERS)` (see {@link explain} for `indexesOnly`).
 */
export async function benchHotPaths(
  db: Database,
  plan: ScalePlan,
  now: Date,
  iterations: number,
  progress: (line: string) => void,
  indexesOnly = false,
): Promise<HotPathResult[]> {
  const results: HotPathResult[] = [];
  // Reads first, on both groups: a write's new row versions go to any page with room (clearing its
  // all-visible bit until the next VACUUM), which would make later index-only scans visit the heap.
  const runs = groupsOf(plan).flatMap(({ label, index }) =>
    pathsFor(plan, index, now).map((path) => ({ label, index, path })),
  );
  const ordered = [...runs.filter((run) => !run.path.writes), ...runs.filter((run) => run.path.writes)];
  for (const { label, index, path } of ordered) {
    for (let i = 0; i < 2; i++) await path.run(db, i);
    const samples: number[] = [];
    let resultRows = 0;
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      resultRows = await path.run(db, i);
      samples.push(performance.now() - start);
    }
    const statement = explained(await capture(() => path.run(db, iterations)));
    if (!statement) throw new Error(`${path.name} sent no statement`);
    const summary = await explain(db, statement, indexesOnly);
    const result: HotPathResult = {
      name: path.name,
      group: label,
      groupAgents: plan.agentsPerGroup[index] as number,
      iterations,
      latencyMs: percentiles(samples),
      resultRows,
      plan: summary,
      buffersPerRow: Math.round((10 * summary.buffers) / Math.max(1, resultRows)) / 10,
    };
    progress(
      `${label} group, ${path.name}: p50 ${result.latencyMs.p50} ms, ${summary.buffers} buffers, ${summary.scans}`,
    );
    results.push(result);
  }
  return results;
}
