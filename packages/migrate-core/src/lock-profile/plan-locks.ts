import type pg from "pg";
import type { PendingMigration } from "../pending-sql";
import { assessLockProfile, type LockPlan } from "./assess";
import { readLiveTarget } from "./live-target";
import { measureLockProfile } from "./measure";

export interface LockPlanOptions {
  /** A client on the target: read-only here (catalog and activity views); the scratch database is created on its server. */
  client: pg.Client;
  folder: string;
  to?: string;
  /** Rows written into each touched table of the scratch database (default 20,000). */
  sampleRows?: number;
  /** What `up` is about to apply, when already read (measureLockProfile's `pending`). */
  pending?: PendingMigration[];
}

/** Measures the pending migrations' locks on a scratch copy and scores them against the target as it is now. */
export async function planLocks(options: LockPlanOptions): Promise<LockPlan> {
  const profile = await measureLockProfile(options);
  const tables = new Set(
    profile.migrations.flatMap((migration) =>
      migration.statements.flatMap((statement) => [
        ...statement.held.map((held) => held.table),
        ...statement.work.map((item) => item.table),
      ]),
    ),
  );
  return assessLockProfile(profile, await readLiveTarget(options.client, [...tables]));
}
