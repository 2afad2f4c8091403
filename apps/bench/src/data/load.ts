import { agents, auditLog, blocklist, extensions, groupExtensions, groups, reports } from "@devtools-sync/db";
import { getTableName } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import pg from "pg";
import { copyRows } from "./copy";
import type { ScalePlan } from "./plan";
import { agent, auditEvent, blocklistEntries, extension, group, groupExtensionsOf, reportsOfAgent } from "./rows";

/** How one table's load went. */
export interface TableLoad {
  table: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

function* range<T>(count: number, make: (index: number) => T): Generator<T> {
  for (let index = 0; index < count; index++) yield make(index);
}

function* flatRange<T>(count: number, make: (index: number) => T[]): Generator<T> {
  for (let index = 0; index < count; index++) yield* make(index);
}

/**
 * Fills an empty, migrated database with `plan`'s rows, table by table with COPY, then runs
 * VACUUM ANALYZE. `now` anchors every timestamp (heartbeats a few minutes before it, reports within 30 days).
 * Progress lines go to `progress` (stderr in the CLI).
 */
export async function loadScaleData(
  url: string,
  plan: ScalePlan,
  now: Date,
  progress: (line: string) => void,
): Promise<TableLoad[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const loads: TableLoad[] = [];
  const load = async <Table extends PgTable>(table: Table, expected: number, rows: Iterable<Table["$inferInsert"]>) => {
    const name = getTableName(table);
    const started = performance.now();
    let lastPrint = started;
    const rate = (copied: number, at: number) => Math.round(copied / ((at - started) / 1000 || 1e-3));
    const rowCount = await copyRows(client, table, rows, {
      onRows: (copied) => {
        const at = performance.now();
        if (at - lastPrint < 1000) return;
        lastPrint = at;
        const share = expected > 0 ? ` (${Math.round((100 * copied) / expected)}%)` : "";
        progress(
          `${name}: ${copied.toLocaleString("en")} / ~${expected.toLocaleString("en")}${share}, ${rate(copied, at).toLocaleString("en")} rows/s`,
        );
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const result = { table: name, rows: rowCount, seconds, rowsPerSecond: Math.round(rowCount / (seconds || 1e-3)) };
    progress(
      `${name}: ${rowCount.toLocaleString("en")} rows in ${seconds.toFixed(1)} s, ${result.rowsPerSecond.toLocaleString("en")} rows/s`,
    );
    loads.push(result);
  };
  try {
    // Bulk load as pg_restore --disable-triggers does: the compliance triggers would follow every
    // COPY chunk row by row; the state is built once from the loaded rows instead (below).
    await client.query("SET session_replication_role = replica");
    await load(
      groups,
      plan.groups,
      range(plan.groups, (i) => group(plan, i, now)),
    );
    await load(
      extensions,
      plan.extensions,
      range(plan.extensions, (i) => extension(i, now)),
    );
    await load(
      groupExtensions,
      plan.groups * 10,
      flatRange(plan.groups, (g) => groupExtensionsOf(plan, g)),
    );
    await load(blocklist, 13, blocklistEntries(plan));
    await load(
      agents,
      plan.agents,
      range(plan.agents, (i) => agent(plan, i, now)),
    );
    await load(
      reports,
      plan.agents * plan.reportsPerAgent,
      flatRange(plan.agents, (i) => reportsOfAgent(plan, i, now)),
    );
    await load(
      auditLog,
      plan.auditEvents,
      range(plan.auditEvents, (i) => auditEvent(plan, i, now)),
    );
    await client.query("RESET session_replication_role");
    progress("compliance state: building every group's");
    const started = performance.now();
    await client.query("SELECT compliance_build_group(id) FROM groups ORDER BY id");
    progress(`compliance state built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // What autovacuum does to a production table: statistics, and the visibility map that lets
    // index-only scans skip the heap.
    progress("VACUUM ANALYZE");
    await client.query("VACUUM ANALYZE");
  } finally {
    await client.end();
  }
  return loads;
}
