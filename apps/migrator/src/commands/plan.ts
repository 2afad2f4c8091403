import { ExitCode, formatPendingSql, type PendingMigration, pendingMigrations } from "@devtools-sync/migrate-core";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import type { Reporter } from "../output";

/** What `up` would run, as data and as SQL text. */
export interface PlanResult {
  migrations: Pick<PendingMigration, "name" | "transactional" | "statements">[];
  /** The statements of every pending migration, each migration headed by a comment; empty when up to date. */
  sql: string;
}

/** Reads what `up` would apply (or up to `to`), without running it, taking the lock or writing anything. */
export async function plan(config: MigratorConfig, reporter: Reporter, to?: string): Promise<PlanResult> {
  return withConnection(config, reporter, async (client) => {
    const pending = await pendingMigrations({
      client,
      folder: config.migrationsDir,
      ...(to === undefined ? {} : { to }),
    });
    return {
      migrations: pending.map(({ name, transactional, statements }) => ({ name, transactional, statements })),
      sql: formatPendingSql(pending),
    };
  });
}

export const planCommand = defineCommand({
  name: "plan",
  summary: "Print the SQL that up would run (pending migrations, in order) to stdout, without running it.",
  flags: { to: { type: "string", value: "migration", help: "stop after this migration, as up --to would" } },
  async run(config, reporter, values) {
    const result = await plan(config, reporter, values.to);
    if (result.sql !== "") reporter.print(result.sql);
    const summary =
      result.migrations.length === 0
        ? "Database is up to date; up would apply nothing."
        : `${result.migrations.length} pending migration(s); nothing was run.`;
    reporter.result(summary, { command: "plan", migrations: result.migrations });
    return ExitCode.ok;
  },
});
