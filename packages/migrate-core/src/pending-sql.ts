import type pg from "pg";
import { type HoldOptions, splitAtHeldContract } from "./held";
import { findMigration, type Migration, readMigrations } from "./journal";
import { type AppliedMigration, drizzleOnlyHistory, readLedger } from "./ledger";
import { type MigrationPlan, planMigrations } from "./plan";

/** A migration `up` would run next, with the statements it would run. */
export interface PendingMigration {
  name: string;
  /** True: all statements and the ledger row commit together; false: each statement commits alone. */
  transactional: boolean;
  /** The statements still to run, in order (a partly applied migration resumes after `resumeAt`). */
  statements: string[];
  /** Statements of this migration already committed by an interrupted run. */
  resumeAt: number;
  /** The tables an expand's `-- backfill:` lines name, backfilled right after it (`up` only). */
  backfill?: string[];
}

export interface PendingOptions {
  client: pg.ClientBase;
  folder: string;
  /** Stop after this migration, as `migrate({ to })` does. */
  to?: string;
  /** Hold contracts, as `migrate({ hold })` does. */
  hold?: HoldOptions;
}

/**
 * What `migrate()` would apply, read without the lock and without writing: our ledger plus the
 * migrations drizzle's own tools recorded (which `migrate()` would adopt, not run again).
 * Integrity problems throw exactly as `migrate()` would.
 */
export async function pendingMigrations(options: PendingOptions): Promise<PendingMigration[]> {
  const { plan, ledger, migrations } = await readPlan(options.client, options.folder);
  const target = options.to === undefined ? undefined : findMigration(migrations, options.to);
  const pending = plan.pending.filter((migration) => !target || migration.index <= target.index);
  return splitAtHeldContract(pending, migrations, options.hold).runnable.map((migration) =>
    asPending(migration, ledger),
  );
}

/** A migration as `up` would run it, given the ledger (an interrupted one resumes where it stopped). */
export function asPending(migration: Migration, ledger: AppliedMigration[]): PendingMigration {
  const resumeAt = ledger.find((row) => row.name === migration.name)?.statementsDone ?? 0;
  return {
    name: migration.name,
    transactional: migration.transactional,
    statements: migration.statements.slice(resumeAt),
    resumeAt,
    backfill: migration.phase?.kind === "expand" ? migration.phase.backfill : [],
  };
}

/**
 * The history as `migrate()` would see it after adopting drizzle's ledger, computed read-only:
 * rows of drizzle's ledger missing from ours count as finished (after the same hash check).
 */
export async function readPlan(
  client: pg.ClientBase,
  folder: string,
  { rollingBack = false } = {},
): Promise<{ plan: MigrationPlan; ledger: AppliedMigration[]; migrations: Migration[] }> {
  const migrations = await readMigrations(folder);
  const ledger = await readLedger(client);
  for (const migration of await drizzleOnlyHistory(client, migrations, ledger)) {
    ledger.push({
      name: migration.name,
      hash: migration.hash,
      createdAt: migration.createdAt,
      appliedAt: new Date(0),
      durationMs: null,
      statementsDone: migration.statements.length,
      finished: true,
      downHash: null,
      statementsReverted: 0,
    });
  }
  ledger.sort((a, b) => a.createdAt - b.createdAt);
  return { plan: planMigrations(migrations, ledger, { rollingBack }), ledger, migrations };
}

/**
 * The pending migrations (or, with `down`, the down migrations `rollback` would run) as one SQL
 * text, each headed by a comment with its name and how it runs. For reading and review: `up` and
 * `down` also set lock_timeout and write the ledgers.
 */
export function formatPendingSql(pending: PendingMigration[], { down = false } = {}): string {
  return pending
    .map((migration) => {
      const mode = migration.transactional
        ? "runs in one transaction"
        : "runs outside a transaction, each statement committing alone (CONCURRENTLY)";
      const resume =
        migration.resumeAt > 0
          ? `\n-- resumes after statement ${migration.resumeAt}, which an interrupted run already committed`
          : "";
      const statements = migration.statements.map((statement) =>
        /;\s*$/.test(stripTrailingComments(statement)) ? statement : `${statement};`,
      );
      const heading = down ? `Down migration of ${migration.name}` : `Migration ${migration.name}`;
      return [`-- ${heading}: ${mode}${resume}`, ...statements].join("\n\n");
    })
    .join("\n\n");
}

function stripTrailingComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, "").trimEnd();
}
