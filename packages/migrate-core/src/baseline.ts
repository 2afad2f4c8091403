import type pg from "pg";
import { ExitCode, integrityError, MigrateError } from "./errors";
import type { EventSink } from "./events";
import { SchemaDriftError, schemaDrift } from "./expected-schema";
import { readMigrations } from "./journal";
import { DRIZZLE_LEDGER, ensureLedger, readLedger, recordFinished, tableExists } from "./ledger";
import { withMigrationLock } from "./lock";
import { inTransaction } from "./transaction";

/** How to take over a database whose schema was made by other means. */
export interface BaselineOptions {
  /** A connected client with its own session on the target database. */
  client: pg.Client;
  folder: string;
  /** The last migration whose schema the database already has. */
  to: string;
  onEvent?: EventSink;
}

export interface BaselineResult {
  /** The migrations recorded as applied, in order. */
  recorded: string[];
  /** Objects left out of the schema comparison, e.g. golang-migrate's `schema_migrations`. */
  ignored: string[];
}

/**
 * Records the migrations up to `to` as applied, without running them, in both ledgers, once
 * the live schema is proven to be exactly what they produce. Under the migration lock. Refuses
 * (exit 4) a database that already records applied migrations, one that golang-migrate left
 * dirty, and one whose schema differs (listing every difference).
 */
export async function baseline(options: BaselineOptions): Promise<BaselineResult> {
  const { client, onEvent = () => {} } = options;
  const migrations = await readMigrations(options.folder);
  const target = migrations.find((migration) => migration.name === options.to);
  if (!target) {
    throw new MigrateError(
      "unknown-migration",
      `No migration named ${options.to}: pass to --to the name of a file in the migrations folder without .sql (see migrator status).`,
      ExitCode.usage,
    );
  }
  return withMigrationLock(
    client,
    (holder) => onEvent({ type: "lock-wait", holder }),
    async () => {
      await refuseManagedDatabase(client);
      await refuseDirtyGolangMigrate(client);
      const drift = await schemaDrift({ client, folder: options.folder, to: target.name });
      if (drift.differences.length > 0) {
        throw new SchemaDriftError(
          "baseline-mismatch",
          `Not taking over: the schema differs from what the migrations up to ${target.name} create, in ${drift.differences.length} way(s); make it match (or pick the migration it does match with --to), then run baseline again:`,
          drift.differences,
        );
      }
      const recorded = migrations.filter((migration) => migration.index <= target.index);
      await inTransaction(client, async () => {
        await ensureLedger(client);
        for (const migration of recorded) await recordFinished(client, migration, null);
      });
      return { recorded: recorded.map((migration) => migration.name), ignored: drift.ignored };
    },
  );
}

async function refuseManagedDatabase(client: pg.ClientBase): Promise<void> {
  const ours = await readLedger(client);
  const drizzleCount = (await tableExists(client, DRIZZLE_LEDGER))
    ? Number((await client.query(`SELECT count(*) AS n FROM ${DRIZZLE_LEDGER}`)).rows[0].n)
    : 0;
  if (ours.length === 0 && drizzleCount === 0) return;
  const latest = ours.at(-1)?.name;
  throw integrityError(
    "already-baselined",
    `This database already records ${Math.max(ours.length, drizzleCount)} applied migration(s)${latest ? ` (latest ${latest})` : " in drizzle's ledger"}, so it is managed already: run migrator status to see where it stands and migrator up to continue; baseline is only for a database no migrator has recorded.`,
  );
}

async function refuseDirtyGolangMigrate(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query(
    `SELECT 1 FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = 'schema_migrations' AND column_name = 'dirty'`,
  );
  if (rows.length === 0) return;
  const dirty = await client.query("SELECT version FROM public.schema_migrations WHERE dirty");
  if (dirty.rows.length > 0) {
    throw integrityError(
      "golang-migrate-dirty",
      `golang-migrate recorded migration ${dirty.rows[0].version} as failed halfway (schema_migrations.dirty): repair that migration's changes by hand and clear the flag first, then run baseline again.`,
    );
  }
}
