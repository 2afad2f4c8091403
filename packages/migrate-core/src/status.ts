import type pg from "pg";
import { readPlan } from "./pending-sql";
import type { MigrationPlan } from "./plan";

export interface StatusOptions {
  client: pg.ClientBase;
  folder: string;
}

/** Applied and pending migrations, read without taking the lock or writing anything. */
export type MigrationStatus = MigrationPlan;

/**
 * Compares the folder with the database's history, counting what drizzle's own tools applied as
 * applied (as `migrate` would adopt it); integrity problems throw, as for `migrate`.
 */
export async function status(options: StatusOptions): Promise<MigrationStatus> {
  return (await readPlan(options.client, options.folder)).plan;
}
