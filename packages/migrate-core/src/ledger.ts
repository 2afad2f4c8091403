import type pg from "pg";
import { integrityError } from "./errors";
import type { Migration } from "./journal";

// Two records of what ran. Ours (migrator.applied_migrations) knows names, durations and the
// progress of a migration that runs outside a transaction. drizzle's (drizzle.__drizzle_migrations)
// is written alongside in the same transaction, so drizzle-kit `migrate` and drizzle-orm
// `migrate()` see the same database as up to date, and a database they migrated is taken over.

/** Drizzle's ledger, at drizzle's defaults. */
export const DRIZZLE_LEDGER = '"drizzle"."__drizzle_migrations"';
/** This migrator's ledger. */
export const LEDGER = '"migrator"."applied_migrations"';
/** The backfills applied expands asked for, and how far each got (see backfill.ts). */
export const BACKFILLS = '"migrator"."backfills"';

/** One row of our ledger. */
export interface AppliedMigration {
  name: string;
  hash: string;
  createdAt: number;
  appliedAt: Date;
  durationMs: number | null;
  /** Statements already committed; equals the statement count once finished. */
  statementsDone: number;
  finished: boolean;
  /** Hash of the down file when it was applied (null: it had none, or was applied before they were recorded). */
  downHash: string | null;
  /** Down statements committed by a rollback that ran outside a transaction and was cut off; 0 otherwise. */
  statementsReverted: number;
}

/** Creates both ledgers if absent. Call it only under the migration lock: CREATE IF NOT EXISTS races. */
export async function ensureLedger(client: pg.ClientBase): Promise<void> {
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS "drizzle";
    CREATE TABLE IF NOT EXISTS ${DRIZZLE_LEDGER} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);
    CREATE SCHEMA IF NOT EXISTS "migrator";
    CREATE TABLE IF NOT EXISTS ${LEDGER} (
      name text PRIMARY KEY,
      hash text NOT NULL,
      created_at bigint NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      duration_ms integer,
      statements_done integer NOT NULL DEFAULT 0,
      finished boolean NOT NULL DEFAULT false,
      down_hash text,
      statements_reverted integer NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS ${BACKFILLS} (
      migration text NOT NULL,
      table_name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      last_key text[],
      rows_done bigint NOT NULL DEFAULT 0,
      finished boolean NOT NULL DEFAULT false,
      finished_at timestamptz,
      PRIMARY KEY (migration, table_name)
    );
    DO $$ BEGIN
      -- Ledgers made before down migrations existed get their columns (skipped, with no lock, once present).
      IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = '${LEDGER}'::regclass AND attname = 'down_hash') THEN
        ALTER TABLE ${LEDGER} ADD COLUMN down_hash text, ADD COLUMN statements_reverted integer NOT NULL DEFAULT 0;
      END IF;
    END $$;`);
}

/** Our ledger's rows in journal order, or none when the database has never been migrated. */
export async function readLedger(client: pg.ClientBase): Promise<AppliedMigration[]> {
  if (!(await tableExists(client, LEDGER))) return [];
  // SELECT *: read-only commands may meet a ledger older than the down_hash columns.
  const { rows } = await client.query(`SELECT * FROM ${LEDGER} ORDER BY created_at`);
  return rows.map(toAppliedMigration);
}

function toAppliedMigration(row: Record<string, unknown>): AppliedMigration {
  return {
    name: row.name as string,
    hash: row.hash as string,
    createdAt: Number(row.created_at),
    appliedAt: row.applied_at as Date,
    durationMs: row.duration_ms as number | null,
    statementsDone: row.statements_done as number,
    finished: row.finished as boolean,
    downHash: (row.down_hash as string | undefined) ?? null,
    statementsReverted: (row.statements_reverted as number | undefined) ?? 0,
  };
}

/**
 * Whether every migration is applied, finished and unchanged, read without the lock in two short
 * queries: the usual deploy, where nothing is pending, takes no lock and writes nothing. Any
 * doubt (no ledger yet, history that drizzle's tools wrote and ours lacks, an edited or partly
 * applied migration) answers false, and the full checks under the lock name the problem.
 */
export async function isUpToDate(client: pg.ClientBase, migrations: Migration[]): Promise<boolean> {
  const { rows: ledgers } = await client.query(
    "SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS present, to_regclass($3) IS NOT NULL AS backfills",
    [LEDGER, DRIZZLE_LEDGER, BACKFILLS],
  );
  if (!ledgers[0].present || migrations.length === 0) return false;
  // A backfill an interrupted run left unfinished is work to do, though every migration is applied.
  const unfinished = ledgers[0].backfills ? `(SELECT count(*) FROM ${BACKFILLS} WHERE NOT finished)::int` : "0";
  const { rows } = await client.query(
    `SELECT *, (SELECT count(*) FROM ${DRIZZLE_LEDGER})::int AS drizzle_rows, ${unfinished} AS unfinished_backfills
     FROM ${LEDGER} ORDER BY created_at`,
  );
  return (
    rows.length === migrations.length &&
    rows[0]?.drizzle_rows === migrations.length &&
    rows[0]?.unfinished_backfills === 0 &&
    rows.map(toAppliedMigration).every((row, index) => {
      const migration = migrations[index];
      return (
        row.finished && row.statementsReverted === 0 && row.name === migration?.name && row.hash === migration.hash
      );
    })
  );
}

/**
 * The migrations drizzle's own tools applied that our ledger does not record yet, matched on the
 * journal `when` drizzle stores, after checking their hashes. Reads only.
 */
export async function drizzleOnlyHistory(
  client: pg.ClientBase,
  migrations: Migration[],
  ledger: AppliedMigration[],
): Promise<Migration[]> {
  if (!(await tableExists(client, DRIZZLE_LEDGER))) return [];
  const ours = new Set(ledger.map((row) => row.name));
  // Rows our ledger already records are checked by planMigrations, which names what is wrong.
  const oursByWhen = new Set(ledger.map((row) => row.createdAt));
  const { rows } = await client.query<{ hash: string; created_at: string }>(
    `SELECT hash, created_at FROM ${DRIZZLE_LEDGER} ORDER BY created_at`,
  );
  const byWhen = new Map(migrations.map((migration) => [migration.createdAt, migration]));
  const found: Migration[] = [];
  for (const row of rows) {
    if (oursByWhen.has(Number(row.created_at))) continue;
    const migration = byWhen.get(Number(row.created_at));
    if (!migration) {
      throw integrityError(
        "missing-migration",
        `drizzle's ledger records a migration dated ${row.created_at} that is not in the journal: restore its file and journal entry, or point the migrator at the right folder.`,
      );
    }
    if (ours.has(migration.name)) continue;
    if (row.hash !== migration.hash) throw editedError(migration.name);
    ours.add(migration.name);
    found.push(migration);
  }
  return found;
}

/** Records in our ledger what drizzle's own tools applied (see drizzleOnlyHistory). Returns the names. */
export async function adoptDrizzleHistory(client: pg.ClientBase, migrations: Migration[]): Promise<string[]> {
  const adopted = await drizzleOnlyHistory(client, migrations, await readLedger(client));
  for (const migration of adopted) {
    await client.query(
      `INSERT INTO ${LEDGER} (name, hash, created_at, statements_done, finished) VALUES ($1, $2, $3, $4, true)`,
      [migration.name, migration.hash, migration.createdAt, migration.statements.length],
    );
  }
  return adopted.map((migration) => migration.name);
}

/** Marks a migration finished in both ledgers; run it inside the transaction that applied it. */
export async function recordFinished(
  client: pg.ClientBase,
  migration: Migration,
  /** null when the migration was recorded, not run (baseline). */
  durationMs: number | null,
): Promise<void> {
  await client.query(
    `WITH ours AS (
       INSERT INTO ${LEDGER} (name, hash, created_at, duration_ms, statements_done, finished, down_hash)
       VALUES ($1, $2, $3, $4, $5, true, $6)
       ON CONFLICT (name) DO UPDATE SET duration_ms = excluded.duration_ms, statements_done = excluded.statements_done,
         finished = true, applied_at = now(), down_hash = excluded.down_hash
     )
     INSERT INTO ${DRIZZLE_LEDGER} (hash, created_at) VALUES ($2, $3)`,
    [
      migration.name,
      migration.hash,
      migration.createdAt,
      durationMs === null ? null : Math.round(durationMs),
      migration.statements.length,
      migration.down?.hash ?? null,
    ],
  );
}

/** Records how far a migration that runs outside a transaction got, so a re-run resumes there. */
export async function recordProgress(
  client: pg.ClientBase,
  migration: Migration,
  statementsDone: number,
): Promise<void> {
  await client.query(
    `INSERT INTO ${LEDGER} (name, hash, created_at, statements_done, finished) VALUES ($1, $2, $3, $4, false)
     ON CONFLICT (name) DO UPDATE SET statements_done = excluded.statements_done`,
    [migration.name, migration.hash, migration.createdAt, statementsDone],
  );
}

/** Removes a rolled-back migration (and its backfills) from the ledgers; run it inside the transaction that rolled it back. */
export async function recordRolledBack(client: pg.ClientBase, migration: Migration): Promise<void> {
  await client.query(
    `WITH ours AS (DELETE FROM ${LEDGER} WHERE name = $1), backfills AS (DELETE FROM ${BACKFILLS} WHERE migration = $1)
     DELETE FROM ${DRIZZLE_LEDGER} WHERE created_at = $2`,
    [migration.name, migration.createdAt],
  );
}

/** Records how far a rollback that runs outside a transaction got, so a re-run resumes there. */
export async function recordRollbackProgress(
  client: pg.ClientBase,
  migration: Migration,
  statementsReverted: number,
): Promise<void> {
  await client.query(`UPDATE ${LEDGER} SET statements_reverted = $2 WHERE name = $1`, [
    migration.name,
    statementsReverted,
  ]);
}

/** The error for an applied migration whose file changed since. */
export function editedError(name: string) {
  return integrityError(
    "edited-migration",
    `Migration ${name} was changed after it was applied: restore the applied version from version control and put the change in a new migration (pnpm db:generate).`,
  );
}

/** Whether `table` (schema-qualified, quoted as in SQL) exists. */
export async function tableExists(client: pg.ClientBase, table: string): Promise<boolean> {
  const { rows } = await client.query("SELECT to_regclass($1) IS NOT NULL AS present", [table]);
  return rows[0].present;
}
