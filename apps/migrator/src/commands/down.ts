import {
  checkRollbackRange,
  ExitCode,
  formatPendingSql,
  type PendingMigration,
  pendingRollback,
  rollback,
} from "@devtools-sync/migrate-core";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import { formatDuration, type Reporter } from "../output";

const NOTHING_TO_ROLL_BACK = "Nothing to roll back: that migration is already the last applied.";

/** How far `down` goes: exactly one of `to` and `steps`. */
export interface DownRange {
  to?: string;
  steps?: number;
  allowDataLoss?: boolean;
}

/** What `down` did. */
export interface DownResult {
  rolledBack: string[];
  durationMs: number;
}

/** Rolls back the latest applied migrations with their down migrations and reports each. */
export async function down(config: MigratorConfig, reporter: Reporter, range: DownRange): Promise<DownResult> {
  checkRollbackRange(range);
  const started = performance.now();
  return withConnection(
    config,
    reporter,
    async (client) => {
      const { rolledBack } = await rollback({
        client,
        folder: config.migrationsDir,
        lockTimeoutMs: config.lockTimeoutMs,
        onEvent: (event) => reporter.event(event),
        ...range,
      });
      return { rolledBack, durationMs: performance.now() - started };
    },
    { writes: "down rolls migrations back" },
  );
}

/** What `down` would run, as data and as SQL text. */
export interface DownPlan {
  migrations: Pick<PendingMigration, "name" | "transactional" | "statements">[];
  sql: string;
}

/** Reads the down migrations `down` would run, refused as `down` would be, without running anything. */
export async function planDown(config: MigratorConfig, reporter: Reporter, range: DownRange): Promise<DownPlan> {
  checkRollbackRange(range);
  return withConnection(config, reporter, async (client) => {
    const pending = await pendingRollback({ client, folder: config.migrationsDir, ...range });
    return {
      migrations: pending.map(({ name, transactional, statements }) => ({ name, transactional, statements })),
      sql: formatPendingSql(pending, { down: true }),
    };
  });
}

export const downCommand = defineCommand({
  name: "down",
  summary: "Roll back the latest migrations with their down migrations (--to or --steps required).",
  flags: {
    to: {
      type: "string",
      value: "migration",
      help: "roll back every migration after this one (it stays the last applied)",
    },
    steps: { type: "string", value: "n", help: "roll back this many of the latest applied migrations" },
    "allow-data-loss": { type: "boolean", help: "run down migrations that drop data (refused without it)" },
    "dry-run": { type: "boolean", help: "print their SQL to stdout, run nothing (refused as the real run would be)" },
  },
  async run(config, reporter, values) {
    const { to, steps } = values;
    const range: DownRange = {
      ...(to === undefined ? {} : { to }),
      ...(steps === undefined ? {} : { steps: /^\d+$/.test(steps) ? Number(steps) : Number.NaN }),
      allowDataLoss: values["allow-data-loss"] === true,
    };
    if (values["dry-run"] === true) {
      const planned = await planDown(config, reporter, range);
      if (planned.sql !== "") reporter.print(planned.sql);
      const summary =
        planned.migrations.length === 0
          ? NOTHING_TO_ROLL_BACK
          : `${planned.migrations.length} migration(s) would be rolled back; nothing was run.`;
      reporter.result(summary, { command: "down", dryRun: true, migrations: planned.migrations });
      return ExitCode.ok;
    }
    const result = await down(config, reporter, range);
    const summary =
      result.rolledBack.length === 0
        ? NOTHING_TO_ROLL_BACK
        : `Rolled back ${result.rolledBack.length} migration(s) in ${formatDuration(result.durationMs)}.`;
    reporter.result(summary, { command: "down", ...result });
    return ExitCode.ok;
  },
});
