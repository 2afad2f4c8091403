import {
  type BackfillOptions,
  ExitCode,
  formatPendingSql,
  formatPlannedBackfill,
  type LockPlan,
  MigrateError,
  type PendingMigration,
  type PlannedBackfill,
  pendingMigrations,
  planBackfills,
  planLocks,
  tablesNamedIn,
} from "@devtools-sync/migrate-core";
import { backfillBatchFlags, backfillOptionsFrom } from "../backfill-flags";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import { gateOptionsFrom, lockGateFlags, reportLockPlan } from "../lock-gate";
import type { Reporter } from "../output";

/** What `up` would run, as data and as SQL text. */
export interface PlanResult {
  migrations: Pick<PendingMigration, "name" | "transactional" | "statements">[];
  /** The statements of every pending migration, each migration headed by a comment; empty when up to date. */
  sql: string;
  /**
   * What each statement would lock on this database, measured on a scratch copy; null when not
   * measured (nothing pending names an existing table, or `locks` is "never").
   */
  locks: LockPlan | null;
  /** The backfills up would run after the pending expands (and unfinished ones), with the rows each would touch. */
  backfills: PlannedBackfill[];
}

/** When `plan` measures locks: "auto" when a pending migration names a table the database has. */
export const lockModes = ["auto", "never"] as const;

/**
 * Reads what `up` would apply (or up to `to`; stopping before a held contract unless `contract`
 * releases it, as `up --contract` would), without running it, taking the lock or writing
 * anything; with `locks` "auto", measures what it would lock on a scratch copy (needs CREATEDB).
 */
export async function plan(
  config: MigratorConfig,
  reporter: Reporter,
  to?: string,
  locks: (typeof lockModes)[number] = "auto",
  contract?: string,
  backfill: BackfillOptions = {},
): Promise<PlanResult> {
  return withConnection(config, reporter, async (client, { target, readOnly }) => {
    const hold = contract === undefined ? {} : { release: contract };
    const pending = await pendingMigrations({
      client,
      folder: config.migrationsDir,
      hold,
      ...(to === undefined ? {} : { to }),
    });
    // Measured up to the last migration up would apply: a held contract is not.
    const upTo = pending.length === 0 ? {} : { to: (pending.at(-1) as PendingMigration).name };
    let measure = locks === "auto" && (await tablesNamedIn(client, pending)).length > 0;
    if (measure && readOnly) {
      // The measurement builds a scratch database on the same server, which a read-only one refuses.
      reporter.warning(
        "locks-not-measured",
        `${target.display} ${readOnly}: the lock plan was not measured (it needs a scratch database on the server); run plan against the primary for it.`,
      );
      measure = false;
    }
    return {
      migrations: pending.map(({ name, transactional, statements }) => ({ name, transactional, statements })),
      sql: formatPendingSql(pending),
      locks: measure ? await planLocks({ client, folder: config.migrationsDir, ...upTo }) : null,
      backfills: await planBackfills(client, pending, backfill),
    };
  });
}

export const planCommand = defineCommand({
  name: "plan",
  summary:
    "Print the SQL that up would run (pending migrations, in order) to stdout, without running it, and what each statement would lock on this database (measured on a scratch copy; needs CREATEDB); exit 5 when up's lock gate would refuse.",
  flags: {
    to: { type: "string", value: "migration", help: "stop after this migration, as up --to would" },
    contract: {
      type: "string",
      value: "migration",
      help: "include this held contract, as up --contract would (without it, plan stops before a held contract, as up does)",
    },
    locks: {
      type: "string",
      value: "mode",
      help: "auto (default: measure when a pending migration touches an existing table) or never",
    },
    markdown: {
      type: "string",
      value: "file",
      help: "also write the lock plan as Markdown (for a pull request comment) to this file",
    },
    ...lockGateFlags,
    ...backfillBatchFlags,
  },
  async run(config, reporter, values) {
    const gate = gateOptionsFrom(values);
    const backfill = backfillOptionsFrom(values);
    const result = await plan(config, reporter, values.to, parseLocks(values.locks), values.contract, backfill);
    if (result.sql !== "") reporter.print(result.sql);
    if (result.backfills.length > 0) {
      reporter.print(
        [
          "\nBackfills up would run (each batch its own short transaction):",
          ...result.backfills.map(formatPlannedBackfill),
        ].join("\n"),
      );
    }
    const { refused } = result.locks
      ? await reportLockPlan(result.locks, reporter, { ...gate, markdownFile: values.markdown })
      : { refused: 0 };
    const summary =
      result.migrations.length === 0
        ? "Database is up to date; up would apply nothing."
        : `${result.migrations.length} pending migration(s); nothing was run.${refused > 0 ? ` up would refuse ${refused} statement(s) that block the application on a large table (exit 5).` : ""}`;
    reporter.result(summary, {
      command: "plan",
      migrations: result.migrations,
      locks: result.locks,
      backfills: result.backfills,
    });
    return refused > 0 ? ExitCode.refused : ExitCode.ok;
  },
});

function parseLocks(value: string | undefined): (typeof lockModes)[number] {
  if (value === undefined) return "auto";
  const mode = lockModes.find((candidate) => candidate === value);
  if (!mode) {
    throw new MigrateError(
      "usage",
      `--locks must be auto or never, not "${value}": see migrator --help.`,
      ExitCode.usage,
    );
  }
  return mode;
}
