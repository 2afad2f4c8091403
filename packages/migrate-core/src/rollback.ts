import { ExitCode, integrityError, MigrateError } from "./errors";
import type { EventSink } from "./events";
import { type ExecuteOptions, executeStep, type Step } from "./execute";
import { type DownMigration, findMigration, type Migration, readMigrations } from "./journal";
import {
  type AppliedMigration,
  adoptDrizzleHistory,
  ensureLedger,
  readLedger,
  recordRollbackProgress,
  recordRolledBack,
} from "./ledger";
import { withMigrationLock } from "./lock";
import { type PendingMigration, readPlan } from "./pending-sql";
import { planMigrations } from "./plan";

/** How far to roll back: exactly one of `to` and `steps`. */
export interface RollbackOptions extends ExecuteOptions {
  /** A drizzle-kit migrations folder with `<tag>.down.sql` files. */
  folder: string;
  /** Roll back every migration applied after this one, which stays the last applied. */
  to?: string;
  /** Roll back this many of the latest applied migrations. */
  steps?: number;
  /** Run down migrations marked `-- drops-data`; without it they are refused before anything runs. */
  allowDataLoss?: boolean;
  onEvent?: EventSink;
}

/** What a run rolled back, latest first. */
export interface RollbackResult {
  rolledBack: string[];
}

/**
 * Runs the down migrations of the latest applied migrations, latest first, each in its own
 * transaction (statement by statement when it uses CONCURRENTLY) that also removes it from both
 * ledgers, under the migration lock. Every check (integrity, irreversible or unwritten down
 * migrations, data loss without `allowDataLoss`) passes before the first one runs.
 */
export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  const { client, onEvent = () => {} } = options;
  checkRollbackRange(options);
  const migrations = await readMigrations(options.folder);
  if (options.to !== undefined) findMigration(migrations, options.to);
  return withMigrationLock(
    client,
    (holder) => onEvent({ type: "lock-wait", holder }),
    async () => {
      await ensureLedger(client);
      const adopted = await adoptDrizzleHistory(client, migrations);
      if (adopted.length > 0) onEvent({ type: "adopted", names: adopted });
      const steps = plannedRollback(migrations, await readLedger(client), options);
      for (const { migration, down } of steps) await executeStep(options, downStep(options, migration, down), onEvent);
      if (steps.length === 0) onEvent({ type: "nothing-to-roll-back" });
      return { rolledBack: steps.map(({ migration }) => migration.name) };
    },
  );
}

/**
 * The down migrations `rollback(options)` would run, in order, read without the lock and without
 * writing; refused exactly as `rollback` would refuse them.
 */
export async function pendingRollback(
  options: Omit<RollbackOptions, "onEvent" | "lockTimeoutMs" | "lockRetries">,
): Promise<PendingMigration[]> {
  checkRollbackRange(options);
  const { ledger, migrations } = await readPlan(options.client, options.folder, { rollingBack: true });
  if (options.to !== undefined) findMigration(migrations, options.to);
  return plannedRollback(migrations, ledger, options).map(({ migration, down }) => {
    const resumeAt = down.transactional
      ? 0
      : (ledger.find((row) => row.name === migration.name)?.statementsReverted ?? 0);
    return {
      name: migration.name,
      transactional: down.transactional,
      statements: down.statements.slice(resumeAt),
      resumeAt,
    };
  });
}

/** The migrations to roll back with their down migrations, latest first, once every check passed. */
function plannedRollback(
  migrations: Migration[],
  ledger: AppliedMigration[],
  options: Pick<RollbackOptions, "to" | "steps" | "allowDataLoss">,
): { migration: Migration; down: DownMigration }[] {
  const targets = rollbackTargets(migrations, ledger, options);
  for (const migration of targets) refuseContract(migration);
  for (const migration of targets) checkDownUnchanged(migration, ledger);
  const downs = targets.map(runnableDown);
  refuseDataLoss(targets, downs, options.allowDataLoss ?? false);
  return targets.map((migration, index) => ({ migration, down: downs[index] as DownMigration }));
}

/** Refuses (exit 2) a range that is not exactly one of `to` and a positive whole `steps`. */
export function checkRollbackRange({ to, steps }: Pick<RollbackOptions, "to" | "steps">): void {
  if ((to === undefined) === (steps === undefined)) {
    throw usageError(
      "missing-range",
      "Say how far to roll back: --to <migration> (it stays the last applied) or --steps <n> (how many to undo), not both.",
    );
  }
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) {
    throw usageError("bad-steps", "--steps must be a whole number of migrations, 1 or more.");
  }
}

/** The applied migrations to roll back, latest first. */
function rollbackTargets(
  migrations: Migration[],
  ledger: AppliedMigration[],
  options: Pick<RollbackOptions, "to" | "steps">,
): Migration[] {
  const plan = planMigrations(migrations, ledger, { rollingBack: true });
  const interrupted = ledger.find((row) => !row.finished);
  if (interrupted) {
    throw integrityError(
      "partly-applied",
      `Migration ${interrupted.name} was cut off while it was being applied: run migrator up to finish it before rolling back.`,
    );
  }
  const applied = plan.applied;
  const targets = latestApplied(applied, options);
  const cutOff = ledger.find((row) => row.statementsReverted > 0 && !targets.some((m) => m.name === row.name));
  if (cutOff) {
    throw integrityError(
      "partly-rolled-back",
      `Migration ${cutOff.name} was being rolled back when the rollback stopped: finish that first (migrator down --to the migration before it).`,
    );
  }
  return targets;
}

/** The migrations `options` ask to roll back, latest first. */
function latestApplied(applied: Migration[], options: Pick<RollbackOptions, "to" | "steps">): Migration[] {
  if (options.steps !== undefined) {
    if (options.steps > applied.length) {
      throw usageError(
        "too-many-steps",
        `--steps ${options.steps} asks for more than the ${applied.length} applied migration(s): pass at most ${applied.length}.`,
      );
    }
    return applied.slice(applied.length - options.steps).reverse();
  }
  const keep = applied.findIndex((migration) => migration.name === options.to);
  if (keep === -1) {
    throw usageError(
      "not-applied",
      `Migration ${options.to} is not applied to this database, so it cannot be left as the last applied one: pass an applied migration (see migrator status).`,
    );
  }
  return applied.slice(keep + 1).reverse();
}

/** A contract removed the previous version's shape for good: undoing it is a new expand, not a rollback. */
function refuseContract({ name, phase }: Migration): void {
  if (phase?.kind !== "contract") return;
  throw usageError(
    "contract-irreversible",
    `Migration ${name} is the contract of ${phase.expand} and is not rolled back (the old shape's data is gone); nothing was rolled back: to bring the old shape back, write a new expand.`,
  );
}

/** Refuses a down file that differs from the one recorded when its migration was applied. */
function checkDownUnchanged({ down, name }: Migration, ledger: AppliedMigration[]): void {
  const recorded = ledger.find((row) => row.name === name)?.downHash ?? null;
  if (down && recorded !== null && down.hash !== recorded) {
    throw integrityError(
      "edited-down-migration",
      `The down migration of ${name} (${name}.down.sql) was changed after ${name} was applied: restore the version it was applied with from version control.`,
    );
  }
}

/** The down migration to run for `migration`, or the reason it may not run. */
function runnableDown({ down, name }: Migration): DownMigration {
  if (!down) {
    throw usageError(
      "no-down-migration",
      `Migration ${name} has no down migration (${name}.down.sql), so nothing is rolled back: write one, or roll back to ${name} or later.`,
    );
  }
  if (down.refusal?.kind === "irreversible") {
    throw usageError(
      "irreversible",
      `Migration ${name} cannot be rolled back: ${down.refusal.reason}; nothing was rolled back (roll back to ${name} or later).`,
    );
  }
  if (down.refusal?.kind === "unwritten") {
    throw usageError(
      "unwritten-down-migration",
      `The down migration of ${name} is still the generated template: write its SQL in ${name}.down.sql (or mark it "-- irreversible: <reason>"); nothing was rolled back.`,
    );
  }
  return down;
}

function refuseDataLoss(targets: Migration[], downs: DownMigration[], allowDataLoss: boolean): void {
  if (allowDataLoss) return;
  const losses = targets.flatMap((migration, index) => {
    const dropsData = downs[index]?.dropsData;
    return dropsData ? [`${migration.name} (${dropsData})`] : [];
  });
  if (losses.length > 0) {
    throw usageError(
      "drops-data",
      `Rolling back would delete data: ${losses.join("; ")}. Nothing was rolled back; pass --allow-data-loss to run it anyway.`,
    );
  }
}

function downStep(options: RollbackOptions, migration: Migration, down: DownMigration): Step {
  const { client } = options;
  return {
    name: migration.name,
    direction: "down",
    statements: down.statements,
    transactional: down.transactional,
    resumeAt: async () =>
      (await readLedger(client)).find((row) => row.name === migration.name)?.statementsReverted ?? 0,
    recordProgress: (done) => recordRollbackProgress(client, migration, done),
    recordDone: () => recordRolledBack(client, migration),
  };
}

function usageError(code: string, message: string): MigrateError {
  return new MigrateError(code, message, ExitCode.usage);
}
