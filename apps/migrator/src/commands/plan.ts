import { formatPendingSql, type PendingMigration, pendingMigrations } from "@devtools-sync/migrate-core";
import type { Command } from "../command";
import type { MigratorConfig } from "../config";
import { connect } from "../connection";
import type { Reporter } from "../output";

/** What `up` would run, as data and as SQL text. */
export interface PlanResult {
  migrations: Pick<PendingMigration, "name" | "transactional" | "statements">[];
  /** The statements of every pending migration, each migration headed by a comment; empty when up to date. */
  sql: string;
}

/** Reads what `up` would apply (or up to `to`), without running it, taking the lock or writing anything. */
export async function plan(config: MigratorConfig, reporter: Reporter, to?: string): Promise<PlanResult> {
  const connection = await connect(config, reporter);
  try {
    const pending = await pendingMigrations({
      client: connection.client,
      folder: config.migrationsDir,
      ...(to === undefined ? {} : { to }),
    });
    return {
      migrations: pending.map(({ name, transactional, statements }) => ({ name, transactional, statements })),
      sql: formatPendingSql(pending),
    };
  } finally {
    await connection.close();
  }
}

export const planCommand: Command = {
  name: "plan",
  summary: "Print the SQL that up would run (pending migrations, in order) to stdout, without running it.",
  flags: { to: { type: "string", help: "stop after this migration, as up --to would" } },
  async run(config, reporter, values) {
    const result = await plan(config, reporter, values.to as string | undefined);
    if (!config.json && result.sql !== "") process.stdout.write(`${result.sql}\n`);
    const summary =
      result.migrations.length === 0
        ? "Database is up to date; up would apply nothing."
        : `${result.migrations.length} pending migration(s); nothing was run.`;
    reporter.result(summary, { command: "plan", migrations: result.migrations });
    return 0;
  },
};
