import type pg from "pg";
import { ExitCode, MigrateError } from "./errors";
import type { EventSink } from "./events";
import type { UpFrontLocks } from "./lock-profile/lock-cycles";
import { modeName } from "./lock-profile/lock-modes";
import { inTransaction } from "./transaction";

// How a list of statements runs, for a migration (up) and for its down migration alike: in one
// transaction, or statement by statement (CONCURRENTLY) with progress recorded so a re-run
// resumes; every statement under lock_timeout, the whole step retried with backoff on lock timeout.

/** Settings shared by `migrate` and `rollback`. */
export interface ExecuteOptions {
  /** A connected client with its own session (not through a transaction pooler). */
  client: pg.ClientBase;
  /**
   * Longest wait for a table lock before a statement gives up and the migration is retried
   * (default 500 ms, pgroll's): application queries that queue behind the waiting migrator wait
   * at most this long.
   */
  lockTimeoutMs?: number;
  /** How many times a migration that hit `lockTimeoutMs` is tried again, with growing pauses. */
  lockRetries?: number;
}

/** One step: a migration or its down migration, and how its ledger rows follow it. */
export interface Step {
  /** The migration's name. */
  name: string;
  direction: "up" | "down";
  statements: string[];
  transactional: boolean;
  /** Locks a transactional step takes together before one of its statements, so it never waits for one table while holding another. */
  upFront?: UpFrontLocks;
  /** Statements already committed by an interrupted earlier run (statement-by-statement steps only). */
  resumeAt(): Promise<number>;
  /** Records that the first `done` statements are committed (statement-by-statement steps only). */
  recordProgress(done: number): Promise<void>;
  /** Records the finished step, inside the transaction that commits it. */
  recordDone(durationMs: number): Promise<void>;
}

const LOCK_NOT_AVAILABLE = "55P03";
// PostgreSQL broke a lock cycle by cancelling the migration's statement (its transaction rolled
// back whole; a statement outside one is resumed): as safe to retry as a lock timeout. It is what
// a cycle ends in when lock_timeout is longer than deadlock_timeout (1 s by default).
const DEADLOCK_DETECTED = "40P01";

/** Runs a step, retrying it with growing pauses while a table stays locked or a deadlock cancels it. */
export async function executeStep(options: ExecuteOptions, step: Step, onEvent: EventSink): Promise<void> {
  const retries = options.lockRetries ?? 5;
  const [startEvent, doneEvent] =
    step.direction === "up"
      ? (["migration-start", "migration-done"] as const)
      : (["rollback-start", "rollback-done"] as const);
  for (let attempt = 1; ; attempt++) {
    const resumeAt = step.transactional ? 0 : await step.resumeAt();
    onEvent({ type: startEvent, name: step.name, transactional: step.transactional, resumeAt });
    if (step.upFront && attempt === 1) {
      onEvent({ type: "locks-up-front", name: step.name, locks: step.upFront.locks.map(lockStatement) });
    }
    const started = performance.now();
    try {
      if (step.transactional) await runInTransaction(options, step);
      else await runStatementByStatement(options, step, resumeAt);
      onEvent({ type: doneEvent, name: step.name, durationMs: performance.now() - started });
      return;
    } catch (error) {
      const pgError = error as { code?: string };
      const locked = pgError.code === LOCK_NOT_AVAILABLE || pgError.code === DEADLOCK_DETECTED;
      if (locked && attempt <= retries) {
        const delayMs = retryDelayMs(attempt);
        const deadlock = pgError.code === DEADLOCK_DETECTED;
        onEvent({ type: "lock-timeout-retry", name: step.name, attempt, delayMs, deadlock });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        continue;
      }
      throw stepFailed(step, error, locked ? retries : undefined);
    }
  }
}

async function runInTransaction(options: ExecuteOptions, step: Step): Promise<void> {
  const { client } = options;
  const started = performance.now();
  await inTransaction(client, async () => {
    await client.query(`SET LOCAL lock_timeout = ${lockTimeout(options)}`);
    for (const [index, statement] of step.statements.entries()) {
      if (index === step.upFront?.before) {
        for (const lock of step.upFront.locks) {
          await runStatement(client, lockStatement(lock), index).catch((error: unknown) => {
            throw Object.assign(error as object, { upFront: lockStatement(lock) });
          });
        }
      }
      await runStatement(client, statement, index);
    }
    await step.recordDone(performance.now() - started);
  });
}

async function runStatementByStatement(options: ExecuteOptions, step: Step, resumeAt: number) {
  const { client } = options;
  const started = performance.now();
  await client.query(`SET lock_timeout = ${lockTimeout(options)}`);
  try {
    for (let index = resumeAt; index < step.statements.length; index++) {
      const statement = step.statements[index] as string;
      if (await prepareConcurrentIndexBuild(client, statement)) await runStatement(client, statement, index);
      await step.recordProgress(index + 1);
    }
    await inTransaction(client, () => step.recordDone(performance.now() - started));
  } finally {
    await client.query("RESET lock_timeout").catch(() => {});
  }
}

/**
 * Before `CREATE INDEX CONCURRENTLY name`: an interrupted build leaves `name` behind INVALID, and
 * it is dropped so the build can run again; a valid `name` means the build finished before the
 * run was cut off, so the statement is skipped. Returns whether to run the statement.
 */
async function prepareConcurrentIndexBuild(client: pg.ClientBase, statement: string): Promise<boolean> {
  const match = /create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?("(?:[^"]|"")+"|[\w$]+)/i.exec(
    statement,
  );
  if (!match?.[1]) return true;
  const { rows } = await client.query(
    "SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass($1)",
    [match[1]],
  );
  if (rows.length === 0) return true;
  if (rows[0].valid) return false;
  await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${match[1]}`);
  return true;
}

/** The default `lockTimeoutMs`. */
export const DEFAULT_LOCK_TIMEOUT_MS = 500;

function lockTimeout(options: ExecuteOptions): string {
  return `'${Math.max(0, Math.round(options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS))}ms'`;
}

/**
 * The pause before retry `attempt`: 250 ms doubling up to 8 s, each drawn between half and all of
 * that, so migrators (and the sessions they wait for) do not retry in step.
 */
export function retryDelayMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(250 * 2 ** (attempt - 1), 8_000);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** One table at a time, so a lock timeout names the table it waited for. */
function lockStatement(lock: UpFrontLocks["locks"][number]): string {
  return `LOCK TABLE ${lock.table} IN ${modeName(lock.mode)} MODE`;
}

async function runStatement(client: pg.ClientBase, statement: string, index: number): Promise<void> {
  try {
    await client.query(statement);
  } catch (error) {
    Object.assign(error as object, { statementIndex: index });
    throw error;
  }
}

function stepFailed(step: Step, error: unknown, lockRetries: number | undefined): MigrateError {
  const pgError = error as {
    message?: string;
    code?: string;
    detail?: string;
    hint?: string;
    statementIndex?: number;
    upFront?: string;
  };
  const where =
    pgError.statementIndex === undefined
      ? ""
      : ` at statement ${pgError.statementIndex + 1} of ${step.statements.length}${pgError.upFront ? ` (taking its locks up front: ${pgError.upFront})` : ""}`;
  const detail = [pgError.detail, pgError.hint].filter(Boolean).join(" ");
  const what = step.direction === "up" ? `Migration ${step.name}` : `Rolling back ${step.name}`;
  const kept =
    step.direction === "up" ? "nothing of this migration was kept" : "nothing of its down migration was kept";
  const advice =
    lockRetries === undefined
      ? `${kept} (statements that ran outside a transaction are resumed); fix the cause and run again.`
      : `a table stayed locked through ${lockRetries} retries: find the long transaction holding it (pg_stat_activity) and run again.`;
  return new MigrateError(
    lockRetries === undefined ? (step.direction === "up" ? "migration-failed" : "rollback-failed") : "lock-timeout",
    `${what} failed${where}: ${pgError.message ?? String(error)}${pgError.code ? ` (SQLSTATE ${pgError.code})` : ""}${detail ? `. ${detail}` : ""}; ${advice}`,
    ExitCode.failure,
    { cause: error },
  );
}
