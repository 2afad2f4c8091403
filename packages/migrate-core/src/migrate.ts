import { isEmptyDatabase } from "./catalog";
import type { EventSink } from "./events";
import { type ExecuteOptions, executeStep, type Step } from "./execute";
import { findMigration, type Migration, readMigrations } from "./journal";
import { adoptDrizzleHistory, ensureLedger, isUpToDate, readLedger, recordFinished, recordProgress } from "./ledger";
import { withMigrationLock } from "./lock";
import { planMigrations } from "./plan";

/** How to apply a migrations folder. */
export interface MigrateOptions extends ExecuteOptions {
  /** A drizzle-kit migrations folder. */
  folder: string;
  /** Apply only up to and including this migration. */
  to?: string;
  onEvent?: EventSink;
  /**
   * Called under the lock once the run knows it will apply something, before it applies anything:
   * the last moment to refuse, or to decide what to do afterwards, with nothing changed yet.
   */
  beforeApplying?: (plan: { pending: string[]; startedEmpty: boolean }) => Promise<void>;
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
      if (pending.length > 0) {
        await options.beforeApplying?.({ pending: pending.map((migration) => migration.name), startedEmpty });
      }
      const applied: string[] = [];
      for (const migration of pending) {
        await executeStep(options, upStep(options, migration), onEvent);
        applied.push(migration.name);
      }
      if (applied.length === 0) onEvent({ type: "up-to-date", applied: plan.applied.length });
      return { applied, startedEmpty };
    },
  );
}

function upTo(pending: Migration[], to: string | undefined, all: Migration[]): Migration[] {
  if (to === undefined) return pending;
  const target = findMigration(all, to);
  return pending.filter((migration) => migration.index <= target.index);
}

function upStep(options: MigrateOptions, migration: Migration): Step {
  const { client } = options;
  return {
    name: migration.name,
    direction: "up",
    statements: migration.statements,
    transactional: migration.transactional,
    resumeAt: async () => (await readLedger(client)).find((row) => row.name === migration.name)?.statementsDone ?? 0,
    recordProgress: (done) => recordProgress(client, migration, done),
    recordDone: (durationMs) => recordFinished(client, migration, durationMs),
  };
}
