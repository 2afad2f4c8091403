import type pg from "pg";
import { type DueBackfill, dueBackfills } from "./backfill";
import { splitAtHeldContract } from "./held";
import type { Migration } from "./journal";
import { readPlan } from "./pending-sql";

export interface StatusOptions {
  client: pg.ClientBase;
  folder: string;
}

/** Applied and pending migrations, read without taking the lock or writing anything. */
export interface MigrationStatus {
  applied: Migration[];
  /** What `up` would apply now. */
  pending: Migration[];
  /** The contract `up` stops before until it is released, or null. */
  held: Migration | null;
  /** Pending migrations after the held contract: they wait for it. */
  waiting: Migration[];
  /** Backfills of applied expands that an interrupted run left unfinished (`up` resumes them). */
  backfills: DueBackfill[];
}

/**
 * Compares the folder with the database's history, counting what drizzle's own tools applied as
 * applied (as `migrate` would adopt it); integrity problems throw, as for `migrate`.
 */
export async function status(options: StatusOptions): Promise<MigrationStatus> {
  const { plan, migrations } = await readPlan(options.client, options.folder);
  const { runnable, held } = splitAtHeldContract(plan.pending, migrations, {});
  return {
    applied: plan.applied,
    pending: runnable,
    held,
    waiting: plan.pending.slice(runnable.length + (held ? 1 : 0)),
    backfills: await dueBackfills(options.client),
  };
}
