import type pg from "pg";
import { isEmptyDatabase } from "./catalog";
import { ExitCode, MigrateError } from "./errors";
import type { EventSink } from "./events";
import { type Migration, readMigrations } from "./journal";
import { adoptDrizzleHistory, ensureLedger, isUpToDate, readLedger, recordFinished, recordProgress } from "./ledger";
import { withMigrationLock } from "./lock";
import { planMigrations } from "./plan";

/** How to apply a migrations folder. */
export interface MigrateOptions {
  /** A connected client with its own session (not through a transaction pooler). */
  client: pg.ClientBase;
  /** A drizzle-kit migrations folder. */
  folder: string;
  /** Longest wait for a table lock before a statement gives up and the migration is retried. */
  lockTimeoutMs?: number;
  /** How many times a migration that hit `lockTimeoutMs` is tried again, with growing pauses. */
  lockRetries?: number;
  /** Apply only up to and including this migration. */
  to?: string;
  onEvent?: EventSink;
}

/** What a run did. */
export interface MigrateResult {
  applied: string[];
  /**
   * Whether the database held nothing before this run (no history, nothing in `public`): then
   * what the run applied is, by construction, exactly the migrations' schema.
   */
  startedEmpty: boolean;
}

const LOCK_NOT_AVAILABLE = "55P03";

/**
 * Applies pending migrations, each in its own transaction (or statement by statement when it
 * cannot run in one), under the migration lock, after the integrity checks pass.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const { client, onEvent = () => {} } = options;
  const migrations = await readMigrations(options.folder);
  if (options.to === undefined && (await isUpToDate(client, migrations))) {
    onEvent({ type: "up-to-date", applied: migrations.length });
    return { applied: [], startedEmpty: false };
  }
  return withMigrationLock(
    client,
    () => onEvent({ type: "lock-wait" }),
    async () => {
      const startedEmpty = await isEmptyDatabase(client);
      await ensureLedger(client);
      const adopted = await adoptDrizzleHistory(client, migrations);
      if (adopted.length > 0) onEvent({ type: "adopted", names: adopted });
      const ledger = await readLedger(client);
      const plan = planMigrations(migrations, ledger);
      const pending = upTo(plan.pending, options.to, migrations);
      const applied: string[] = [];
      for (const migration of pending) {
        const resumeAt = ledger.find((row) => row.name === migration.name)?.statementsDone ?? 0;
        await applyWithRetries(options, migration, resumeAt, onEvent);
        applied.push(migration.name);
      }
      if (applied.length === 0) onEvent({ type: "up-to-date", applied: plan.applied.length });
      return { applied, startedEmpty };
    },
  );
}

function upTo(pending: Migration[], to: string | undefined, all: Migration[]): Migration[] {
  if (to === undefined) return pending;
  const target = all.find((migration) => migration.name === to);
  if (!target) {
    throw new MigrateError(
      "unknown-migration",
      `No migration named ${to}: pass a name from the migrations folder (see migrator status).`,
      ExitCode.usage,
    );
  }
  return pending.filter((migration) => migration.index <= target.index);
}

async function applyWithRetries(options: MigrateOptions, migration: Migration, resumeAt: number, onEvent: EventSink) {
  const retries = options.lockRetries ?? 5;
  for (let attempt = 1; ; attempt++) {
    onEvent({ type: "migration-start", name: migration.name, transactional: migration.transactional, resumeAt });
    const started = performance.now();
    try {
      const progress = migration.transactional
        ? await applyInTransaction(options, migration)
        : await applyStatementByStatement(options, migration, resumeAt);
      onEvent({ type: "migration-done", name: migration.name, durationMs: performance.now() - started });
      return progress;
    } catch (error) {
      const pgError = error as { code?: string };
      if (pgError.code === LOCK_NOT_AVAILABLE && attempt <= retries) {
        const delayMs = Math.min(250 * 2 ** (attempt - 1), 8_000);
        onEvent({ type: "lock-timeout-retry", name: migration.name, attempt, delayMs });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        resumeAt = (await readLedger(options.client)).find((row) => row.name === migration.name)?.statementsDone ?? 0;
        continue;
      }
      throw migrationFailed(migration, error, pgError.code === LOCK_NOT_AVAILABLE ? retries : undefined);
    }
  }
}

async function applyInTransaction(options: MigrateOptions, migration: Migration): Promise<void> {
  const { client } = options;
  const started = performance.now();
  try {
    await client.query(`BEGIN; SET LOCAL lock_timeout = ${lockTimeout(options)}`);
    for (const [index, statement] of migration.statements.entries()) {
      await runStatement(client, statement, index);
    }
    await recordFinished(client, migration, performance.now() - started);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

async function applyStatementByStatement(options: MigrateOptions, migration: Migration, resumeAt: number) {
  const { client } = options;
  const started = performance.now();
  await client.query(`SET lock_timeout = ${lockTimeout(options)}`);
  try {
    for (let index = resumeAt; index < migration.statements.length; index++) {
      const statement = migration.statements[index] as string;
      if (await prepareConcurrentIndexBuild(client, statement)) await runStatement(client, statement, index);
      await recordProgress(client, migration, index + 1);
    }
    // One statement, so both ledgers record the end together.
    await recordFinished(client, migration, performance.now() - started);
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

function lockTimeout(options: MigrateOptions): string {
  return `'${Math.max(0, Math.round(options.lockTimeoutMs ?? 5_000))}ms'`;
}

async function runStatement(client: pg.ClientBase, statement: string, index: number): Promise<void> {
  try {
    await client.query(statement);
  } catch (error) {
    Object.assign(error as object, { statementIndex: index });
    throw error;
  }
}

function migrationFailed(migration: Migration, error: unknown, lockRetries: number | undefined): MigrateError {
  const pgError = error as { message?: string; code?: string; detail?: string; hint?: string; statementIndex?: number };
  const where =
    pgError.statementIndex === undefined
      ? ""
      : ` at statement ${pgError.statementIndex + 1} of ${migration.statements.length}`;
  const detail = [pgError.detail, pgError.hint].filter(Boolean).join(" ");
  const advice =
    lockRetries === undefined
      ? "nothing of this migration was kept (statements that ran outside a transaction are resumed); fix the cause and run again."
      : `a table stayed locked through ${lockRetries} retries: find the long transaction holding it (pg_stat_activity) and run again.`;
  return new MigrateError(
    lockRetries === undefined ? "migration-failed" : "lock-timeout",
    `Migration ${migration.name} failed${where}: ${pgError.message ?? String(error)}${pgError.code ? ` (SQLSTATE ${pgError.code})` : ""}${detail ? `. ${detail}` : ""}; ${advice}`,
    ExitCode.failure,
    { cause: error },
  );
}
