import { type BackfillOptions, type BackfillResult, dueBackfills, recordBackfillsDue, runBackfill } from "./backfill";
import { isEmptyDatabase } from "./catalog";
import type { EventSink } from "./events";
import { type ExecuteOptions, executeStep, type Step } from "./execute";
import { type HoldOptions, splitAtHeldContract } from "./held";
import { findMigration, type Migration, readMigrations } from "./journal";
import { adoptDrizzleHistory, ensureLedger, isUpToDate, readLedger, recordFinished, recordProgress } from "./ledger";
import { withMigrationLock } from "./lock";
import type { UpFrontLocks } from "./lock-profile/lock-cycles";
import { asPending, type PendingMigration } from "./pending-sql";
import { planMigrations } from "./plan";

/** How to apply a migrations folder. */
export interface MigrateOptions extends ExecuteOptions {
  /** A drizzle-kit migrations folder. */
  folder: string;
  /** Apply only up to and including this migration. */
  to?: string;
  /** Hold contracts until released (as `up` does); without it, contracts apply like any migration. */
  hold?: HoldOptions;
  /** How expands' backfills run. */
  backfill?: BackfillOptions;
  onEvent?: EventSink;
  /**
   * Per migration, the locks to take up front (from the lock plan's cycles): read when the
   * migration is about to run, so `beforeApplying` may fill it.
   */
  lockUpFront?: ReadonlyMap<string, UpFrontLocks>;
  /**
   * Called under the lock once the run knows it will apply something, before it applies anything:
   * the last moment to refuse, or to decide what to do afterwards, with nothing changed yet.
   */
  beforeApplying?: (plan: { pending: PendingMigration[]; startedEmpty: boolean }) => Promise<void>;
}

/** What a run did. */
export interface MigrateResult {
  applied: string[];
  /** The contract the run stopped before, waiting to be released, or null. */
  held: string | null;
  /** The backfills this run did (or finished), in order. */
  backfilled: BackfillResult[];
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
    splitAtHeldContract([], migrations, options.hold); // refuses a bad --contract on the no-op path too
    onEvent({ type: "up-to-date", applied: migrations.length });
    return { applied: [], held: null, backfilled: [], startedEmpty: false };
  }
  return withMigrationLock(
    client,
    (holder) => onEvent({ type: "lock-wait", holder }),
    async () => {
      const startedEmpty = await isEmptyDatabase(client);
      await ensureLedger(client);
      const adopted = await adoptDrizzleHistory(client, migrations);
      if (adopted.length > 0) onEvent({ type: "adopted", names: adopted });
      const ledger = await readLedger(client);
      const plan = planMigrations(migrations, ledger);
      const { runnable: pending, held } = splitAtHeldContract(
        upTo(plan.pending, options.to, migrations),
        migrations,
        options.hold,
      );
      if (pending.length > 0) {
        await options.beforeApplying?.({
          pending: pending.map((migration) => asPending(migration, ledger)),
          startedEmpty,
        });
      }
      // Backfills an interrupted run left unfinished come first: they belong to earlier expands.
      const backfilled = await runDueBackfills(options);
      const applied: string[] = [];
      for (const migration of pending) {
        await executeStep(options, upStep(options, migration), onEvent);
        applied.push(migration.name);
        if (migration.phase?.kind === "expand") backfilled.push(...(await runDueBackfills(options)));
      }
      if (held?.phase?.kind === "contract") onEvent({ type: "held", name: held.name, expand: held.phase.expand });
      else if (applied.length === 0) onEvent({ type: "up-to-date", applied: plan.applied.length });
      return { applied, held: held?.name ?? null, backfilled, startedEmpty };
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
  const upFront = migration.transactional ? options.lockUpFront?.get(migration.name) : undefined;
  return {
    name: migration.name,
    direction: "up",
    statements: migration.statements,
    transactional: migration.transactional,
    ...(upFront ? { upFront } : {}),
    resumeAt: async () => (await readLedger(client)).find((row) => row.name === migration.name)?.statementsDone ?? 0,
    recordProgress: (done) => recordProgress(client, migration, done),
    recordDone: async (durationMs) => {
      await recordFinished(client, migration, durationMs);
      await recordBackfillsDue(client, migration);
    },
  };
}

async function runDueBackfills(options: MigrateOptions): Promise<BackfillResult[]> {
  const done: BackfillResult[] = [];
  const backfill = {
    lockTimeoutMs: options.lockTimeoutMs,
    lockRetries: options.lockRetries,
    ...options.backfill,
  };
  for (const due of await dueBackfills(options.client)) {
    done.push(await runBackfill(options.client, due, backfill, options.onEvent ?? (() => {})));
  }
  return done;
}
