import pg from "pg";
import { actAsBackfillRole } from "./backfill-role";
import { ExitCode, MigrateError } from "./errors";
import type { EventSink } from "./events";
import { DEFAULT_LOCK_TIMEOUT_MS, retryDelayMs } from "./execute";
import { quoteTable } from "./identifiers";
import type { Migration } from "./journal";
import { BACKFILLS, tableExists } from "./ledger";

// The backfill an expand's `-- backfill: <table>` lines ask for: every row that existed before the
// expand is touched once (`UPDATE t SET pk = pk`) so the expand's triggers fill the new shape for
// it, as pgroll does. Rows go in primary-key order, a batch per short transaction that also
// records the last key in migrator.backfills, so an interrupted run resumes after the last
// committed batch and a finished backfill is never run again. Each batch sets
// `migrator.backfill = on` (SET LOCAL): triggers may read it to tell the touch from an
// application's update (for instance to keep updated_at as it was).
//
// A batch holds its rows' locks until it commits, and an application's write to one of them waits
// that long. So batches are sized by time, not by count: the row count adapts so a batch takes
// about `batchMs`, and each batch runs under statement_timeout (and lock_timeout) of twice that;
// a batch that hits it is rolled back, releasing its rows, and retried with half the rows.

/** How a backfill runs. */
export interface BackfillOptions {
  /**
   * Most rows per batch (default 10,000): the cap on the time-sized batches, or every batch's size
   * when `batchMs` is 0.
   */
  batchSize?: number;
  /**
   * The time a batch aims for (default 150 ms); no batch may take more than twice this. 0: fixed
   * batches of `batchSize` rows with no time limit (only lock_timeout).
   */
  batchMs?: number;
  /** Pause between batches (default 0), leaving the server to the application. */
  pauseMs?: number;
  /** A role to SET LOCAL ROLE to in each batch, e.g. one that row-level security lets see every row. */
  role?: string;
  lockTimeoutMs?: number;
  /** Retries of a batch that hit lock_timeout (a row locked by the application), with growing pauses. */
  lockRetries?: number;
}

/** What one table's backfill did in this run. */
export interface BackfillResult {
  migration: string;
  table: string;
  /** Rows touched in this run. */
  rows: number;
  batches: number;
  durationMs: number;
  /** The longest batch transaction: the longest any row (and the table's ROW EXCLUSIVE lock) was held. */
  longestBatchMs: number;
  /** The most rows one batch touched. */
  largestBatch: number;
  /** Batches rolled back by their time limit or lock_timeout and retried (with half the rows when time-sized). */
  retried: number;
}

export const DEFAULT_BACKFILL_BATCH_SIZE = 10_000;
export const DEFAULT_BACKFILL_BATCH_MS = 150;
/** Rows in the first time-sized batch; later ones follow the measured time per row. */
const FIRST_BATCH = 100;

/** Records the backfills an expand asks for; run it inside the transaction that applies the expand. */
export async function recordBackfillsDue(client: pg.ClientBase, migration: Migration): Promise<void> {
  if (migration.phase?.kind !== "expand") return;
  for (const table of migration.phase.backfill) {
    await client.query(`INSERT INTO ${BACKFILLS} (migration, table_name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      migration.name,
      table,
    ]);
  }
}

/** A backfill recorded and not finished. */
export interface DueBackfill {
  migration: string;
  table: string;
  rowsDone: number;
  lastKey: string[] | null;
}

/** The backfills not finished yet, in the order their expands were applied. */
export async function dueBackfills(client: pg.ClientBase): Promise<DueBackfill[]> {
  if (!(await tableExists(client, BACKFILLS))) return []; // read-only commands on a database never migrated
  const { rows } = await client.query(
    `SELECT migration, table_name, rows_done, last_key FROM ${BACKFILLS} WHERE NOT finished ORDER BY created_at, table_name`,
  );
  return rows.map((row) => ({
    migration: row.migration,
    table: row.table_name,
    rowsDone: Number(row.rows_done),
    lastKey: row.last_key,
  }));
}

/** Runs (or resumes) one due backfill to the end, reporting progress; returns what this run did. */
export async function runBackfill(
  client: pg.ClientBase,
  due: DueBackfill,
  options: BackfillOptions,
  onEvent: EventSink,
): Promise<BackfillResult> {
  const key = await primaryKey(client, due.table);
  const estimate = await estimatedRows(client, due.table);
  const actor = await actAsBackfillRole(client, due.table, options.role);
  try {
    return await runBatches(client, due, { ...options, key, estimate }, onEvent);
  } finally {
    await actor.release();
  }
}

async function runBatches(
  client: pg.ClientBase,
  due: DueBackfill,
  options: BackfillOptions & { key: KeyColumn[]; estimate: number | null },
  onEvent: EventSink,
): Promise<BackfillResult> {
  const { key, estimate } = options;
  const cap = options.batchSize ?? DEFAULT_BACKFILL_BATCH_SIZE;
  const targetMs = options.batchMs ?? DEFAULT_BACKFILL_BATCH_MS;
  const limitMs = targetMs > 0 ? 2 * targetMs : null;
  const lockTimeoutMs = Math.round(Math.min(options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, limitMs ?? Infinity));
  onEvent({ type: "backfill-start", migration: due.migration, table: due.table, resumeAfter: due.rowsDone, estimate });
  const started = performance.now();
  let lastKey = due.lastKey;
  let rowsDone = due.rowsDone;
  let size = limitMs === null ? cap : Math.min(cap, FIRST_BATCH);
  const done = { migration: due.migration, table: due.table, rows: 0, batches: 0, durationMs: 0 };
  let longestBatchMs = 0;
  let largestBatch = 0;
  let retried = 0;
  let failures = 0;
  let reportedAt = started;
  for (;;) {
    const batchStarted = performance.now();
    let result: { touched: number; last: string[] | null };
    try {
      result = await runBatch(client, due, { key, size, lockTimeoutMs, limitMs, role: options.role, lastKey });
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      const code = (error as { code?: string }).code;
      const timedOut = code === QUERY_CANCELED && limitMs !== null;
      // Over its time limit: fewer rows. Still over with one row, or a lock held elsewhere: wait and retry.
      if (timedOut && size > 1) size = Math.max(1, Math.floor(size / 2));
      else if ((code === LOCK_NOT_AVAILABLE || timedOut) && failures < (options.lockRetries ?? 5)) {
        failures++;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(failures)));
      } else throw backfillFailed(due, error, code);
      retried++;
      continue;
    }
    failures = 0;
    const batchMs = performance.now() - batchStarted;
    longestBatchMs = Math.max(longestBatchMs, batchMs);
    if (result.last === null) break;
    done.batches++;
    done.rows += result.touched;
    largestBatch = Math.max(largestBatch, result.touched);
    rowsDone += result.touched;
    lastKey = result.last;
    if (limitMs !== null) size = nextSize(size, cap, result.touched, batchMs, targetMs);
    if (performance.now() - reportedAt >= 1000) {
      reportedAt = performance.now();
      onEvent({ type: "backfill-progress", migration: due.migration, table: due.table, rowsDone, estimate });
    }
    if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  const result = { ...done, durationMs: performance.now() - started, longestBatchMs, largestBatch, retried };
  onEvent({ type: "backfill-done", ...result });
  return result;
}

/**
 * One batch as one round trip: the whole transaction (its limits, the touch as `role`, the
 * progress as the migrator, COMMIT) goes in a single query string, so the batch's rows are never
 * left locked while the server waits for the migrator's next statement (a descheduled or stalled
 * migrator would otherwise hold them that long). The touch hands its count and last key to the
 * progress UPDATE through transaction-local settings. On an error the string stops there and the
 * caller rolls the transaction back.
 */
async function runBatch(
  client: pg.ClientBase,
  due: DueBackfill,
  batch: {
    key: KeyColumn[];
    size: number;
    lockTimeoutMs: number;
    limitMs: number | null;
    role: string | undefined;
    lastKey: string[] | null;
  },
): Promise<{ touched: number; last: string[] | null }> {
  const after =
    batch.lastKey === null
      ? "NULL::text[]"
      : `ARRAY[${batch.lastKey.map((value) => pg.escapeLiteral(value)).join(", ")}]::text[]`;
  const role = batch.role === undefined ? null : pg.escapeIdentifier(batch.role);
  const statements = [
    "BEGIN",
    `SET LOCAL lock_timeout = '${batch.lockTimeoutMs}ms'`,
    batch.limitMs === null ? null : `SET LOCAL statement_timeout = '${batch.limitMs}ms'`,
    "SET LOCAL migrator.backfill = 'on'",
    role === null ? null : `SET LOCAL ROLE ${role}`,
    batchStatement(due.table, batch.key, batch.size, after),
    role === null ? null : "RESET ROLE",
    `UPDATE ${BACKFILLS} SET last_key = coalesce(nullif(current_setting('migrator.backfill_last'), '')::text[], last_key),
       rows_done = rows_done + current_setting('migrator.backfill_touched')::bigint,
       finished = current_setting('migrator.backfill_last') = '',
       finished_at = CASE WHEN current_setting('migrator.backfill_last') = '' THEN now() END
     WHERE migration = ${pg.escapeLiteral(due.migration)} AND table_name = ${pg.escapeLiteral(due.table)}`,
    "COMMIT",
  ].filter((statement) => statement !== null);
  const results = (await client.query(statements.join(";\n"))) as unknown as pg.QueryResult[];
  const touch = results.find((result) => result.fields.some((field) => field.name === "touched"));
  return touch?.rows[0] as { touched: number; last: string[] | null };
}

/** The rows that take about `targetMs` at the last batch's pace: at most double the last size, at most `cap`. */
function nextSize(size: number, cap: number, touched: number, batchMs: number, targetMs: number): number {
  if (touched === 0) return size;
  const paced = Math.floor((targetMs * touched) / Math.max(batchMs, 1));
  return Math.max(1, Math.min(cap, 2 * size, paced));
}

/** A backfill `up` would run: the rows it would touch and how it would batch them. */
export interface PlannedBackfill {
  migration: string;
  table: string;
  /** Rows left to touch, from the table's row estimate (null: the table does not exist yet). */
  rows: number | null;
  /** Most rows per batch. */
  batchSize: number;
  /** The time a batch aims for, and the limit no batch may pass (twice that); 0: fixed batches, no limit. */
  batchMs: number;
  /** The fewest batches it can take (all at the cap); more when rows are slower to touch than the cap allows in batchMs. */
  fewestBatches: number | null;
}

/**
 * The backfills `up` would run, read-only: unfinished ones first (they resume), then those of
 * the pending expands, each with the rows it would touch.
 */
export async function planBackfills(
  client: pg.ClientBase,
  pending: { name: string; backfill?: string[] }[],
  options: BackfillOptions = {},
): Promise<PlannedBackfill[]> {
  const batchSize = options.batchSize ?? DEFAULT_BACKFILL_BATCH_SIZE;
  const batchMs = options.batchMs ?? DEFAULT_BACKFILL_BATCH_MS;
  const due = (await dueBackfills(client)).map(({ migration, table, rowsDone }) => ({ migration, table, rowsDone }));
  const coming = pending.flatMap(({ name, backfill = [] }) =>
    backfill.map((table) => ({ migration: name, table, rowsDone: 0 })),
  );
  const planned: PlannedBackfill[] = [];
  for (const { migration, table, rowsDone } of [...due, ...coming]) {
    // A table never analyzed has no estimate: counted (it is seldom large before autovacuum sees it).
    const estimate = (await estimatedRows(client, table)) ?? (await countedRows(client, table));
    const rows = estimate === null ? null : Math.max(0, estimate - rowsDone);
    const fewestBatches = rows === null ? null : Math.ceil(rows / batchSize);
    planned.push({ migration, table, rows, batchSize, batchMs, fewestBatches });
  }
  return planned;
}

/** One line per planned backfill, as `plan` prints it. */
export function formatPlannedBackfill(b: PlannedBackfill): string {
  const rows =
    b.rows === null
      ? "rows unknown (the table is new or was never analyzed)"
      : `~${b.rows.toLocaleString("en")} rows to touch`;
  const batches =
    b.batchMs > 0
      ? `batches sized to ~${b.batchMs} ms, at most ${b.batchSize.toLocaleString("en")} rows, each rolled back and retried smaller past ${2 * b.batchMs} ms: no row stays locked longer`
      : `fixed batches of ${b.batchSize.toLocaleString("en")} rows with no time limit: a batch holds its rows as long as it takes`;
  const fewest =
    b.fewestBatches === null
      ? ""
      : `; at least ${b.fewestBatches.toLocaleString("en")} batch(es)${b.batchMs > 0 ? `, at least ~${Math.ceil((b.fewestBatches * b.batchMs) / 1000)} s` : ""}`;
  return `  backfill ${b.table} after ${b.migration}: ${rows}, ${batches}${fewest}; ROW EXCLUSIVE on the table only, which blocks no reader or writer`;
}

/**
 * The batch: the next `batchSize` keys after `after` (a text[] expression; NULL: from the start),
 * each row touched, and how many were touched with the batch's last key as text (null when no row
 * is left), both also left in the transaction's settings migrator.backfill_touched and
 * migrator.backfill_last ('' when none is left) for the progress UPDATE.
 */
function batchStatement(table: string, key: KeyColumn[], batchSize: number, after: string): string {
  const columns = key.map((column) => pg.escapeIdentifier(column.name));
  const list = columns.join(", ");
  const afterKey = key.map((column, index) => `(${after})[${index + 1}]::${column.type}`).join(", ");
  const first = columns[0] as string;
  return `WITH batch AS (
      SELECT ${list} FROM ${quoteTable(table)}
      WHERE ${after} IS NULL OR (${list}) > (${afterKey})
      ORDER BY ${list} LIMIT ${batchSize}
    ), touched AS (
      UPDATE ${quoteTable(table)} AS t SET ${first} = t.${first} FROM batch
      WHERE (${columns.map((column) => `t.${column}`).join(", ")}) = (${columns.map((column) => `batch.${column}`).join(", ")})
      RETURNING 1
    ), result AS (
      SELECT (SELECT count(*) FROM touched)::int AS touched,
        (SELECT ARRAY[${columns.map((column) => `${column}::text`).join(", ")}] FROM batch
          ORDER BY ${columns.map((column) => `${column} DESC`).join(", ")} LIMIT 1) AS last
    )
    SELECT touched, last, set_config('migrator.backfill_touched', touched::text, true) AS touched_setting,
      set_config('migrator.backfill_last', coalesce(last::text, ''), true) AS last_setting
    FROM result`;
}

interface KeyColumn {
  name: string;
  type: string;
}

async function primaryKey(client: pg.ClientBase, table: string): Promise<KeyColumn[]> {
  const { rows } = await client.query<KeyColumn>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
     FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = to_regclass($1) AND i.indisprimary
     ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [quoteTable(table)],
  );
  if (rows.length === 0) {
    throw new MigrateError(
      "backfill-no-key",
      `The backfill of ${table} needs a primary key to walk the table in batches, and ${table} has none (or does not exist): add one in an earlier migration, or fix the \`-- backfill:\` line.`,
      ExitCode.failure,
    );
  }
  return rows;
}

async function estimatedRows(client: pg.ClientBase, table: string): Promise<number | null> {
  const { rows } = await client.query("SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass($1)", [
    quoteTable(table),
  ]);
  const n = Number(rows[0]?.n ?? -1);
  return n >= 0 ? n : null;
}

async function countedRows(client: pg.ClientBase, table: string): Promise<number | null> {
  const { rows } = await client.query("SELECT to_regclass($1) IS NOT NULL AS exists", [quoteTable(table)]);
  if (!rows[0].exists) return null;
  return Number((await client.query(`SELECT count(*) AS n FROM ${quoteTable(table)}`)).rows[0].n);
}

const LOCK_NOT_AVAILABLE = "55P03";
/** statement_timeout (or a cancel request) ended the statement. */
const QUERY_CANCELED = "57014";

function backfillFailed(due: DueBackfill, error: unknown, code: string | undefined): MigrateError {
  return new MigrateError(
    "backfill-failed",
    `The backfill of ${due.table} (after ${due.migration}) failed: ${(error as Error).message}${code ? ` (SQLSTATE ${code})` : ""}; the batches committed so far are kept and migrator up resumes after them.`,
    ExitCode.failure,
    { cause: error },
  );
}
