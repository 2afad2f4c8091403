import { integrityError } from "./errors";
import type { Migration } from "./journal";
import type { AppliedMigration } from "./ledger";
import { editedError } from "./ledger";

/** What a database has applied, and what it still needs, in journal order. */
export interface MigrationPlan {
  applied: Migration[];
  /** Not yet (or not completely) applied; a partly applied one comes first and resumes. */
  pending: Migration[];
}

/**
 * Compares the files with the database's history. Refuses, by name and with what to do, an
 * applied migration whose file changed or vanished, and a pending one ordered before an applied
 * one (a branch merged late): drizzle's own migrator would silently skip it. A migration whose
 * rollback was cut off halfway is refused too, unless `rollingBack` (the rollback resumes it).
 */
export function planMigrations(
  migrations: Migration[],
  ledger: AppliedMigration[],
  { rollingBack = false } = {},
): MigrationPlan {
  const byName = new Map(migrations.map((migration) => [migration.name, migration]));
  for (const row of ledger) {
    const migration = byName.get(row.name);
    if (!migration) {
      throw integrityError(
        "missing-migration",
        `Migration ${row.name} was applied to this database but is not in the migrations folder: restore it from version control (or deploy the build that has it).`,
      );
    }
    if (migration.hash !== row.hash) throw editedError(row.name);
    if (row.statementsReverted > 0 && !rollingBack) {
      throw integrityError(
        "partly-rolled-back",
        `Migration ${row.name} was being rolled back when the rollback stopped (${row.statementsReverted} of ${migration.down?.statements.length ?? "?"} down statements done): run migrator down again to finish it, then up.`,
      );
    }
  }
  const finished = new Set(ledger.filter((row) => row.finished).map((row) => row.name));
  const applied = migrations.filter((migration) => finished.has(migration.name));
  const pending = migrations.filter((migration) => !finished.has(migration.name));
  const lastApplied = applied.at(-1);
  const early = lastApplied && pending.find((migration) => migration.index < lastApplied.index);
  if (lastApplied && early) {
    throw integrityError(
      "out-of-order",
      `Migration ${early.name} is pending but ordered before ${lastApplied.name}, which is applied: regenerate it on top of the current history (delete it, pnpm db:generate) so it runs last.`,
    );
  }
  return { applied, pending };
}
