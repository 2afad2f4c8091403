import type pg from "pg";
import { readMigrations } from "./journal";
import { readLedger } from "./ledger";
import { type MigrationPlan, planMigrations } from "./plan";

export interface StatusOptions {
  client: pg.ClientBase;
  folder: string;
}

/** Applied and pending migrations, read without taking the lock or writing anything. */
export type MigrationStatus = MigrationPlan;

/** Compares the folder with the database's history; integrity problems throw, as for `migrate`. */
export async function status(options: StatusOptions): Promise<MigrationStatus> {
  const migrations = await readMigrations(options.folder);
  return planMigrations(migrations, await readLedger(options.client));
}
