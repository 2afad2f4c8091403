import {
  checkRollbackRange,
  formatPendingSql,
  type PendingMigration,
  pendingRollback,
  rollback,
} from "@devtools-sync/migrate-core";
import type { Command } from "../command";
import type { MigratorConfig } from "../config";
import { connect } from "../connection";
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
  const connection = await connect(config, reporter);
  try {
    const { rolledBack } = await rollback({
      client: connection.client,
      folder: config.migrationsDir,
      lockTimeoutMs: config.lockTimeoutMs,
      onEvent: (event) => reporter.event(event),
      ...range,
    });
    return { rolledBack, durationMs: performance.now() - started };
  } finally {
    await connection.close();
  }
}

/** What `down` would run, as data and as SQL text. */
export interface DownPlan {
  migrations: Pick<PendingMigration, "name" | "transactional" | "statements">[];
  sql: string;
}

/** Reads the down migrations `down` would run, refused as `down` would be, without running anything. */
export async function planDown(config: MigratorConfig, reporter: Reporter, range: DownRange): Promise<DownPlan> {
  checkRollbackRange(range);
  const connection = await connect(config, reporter);
  try {
    const pending = await pendingRollback({ client: connection.client, folder: config.migrationsDir, ...range });
    return {
      migrations: pending.map(({ name, transactional, statements }) => ({ name, transactional, statements })),
      sql: formatPendingSql(pending, { down: true }),
    };
  } finally {
    await connection.close();
  }
}

export const downCommand: Command = {
  name: "down",
  summary: "Roll back the latest migrations with their down migrations (--to or --steps required).",
  flags: {
    to: { type: "string", help: "roll back every migration after this one (it stays the last applied)" },
    steps: { type: "string", help: "roll back this many of the latest applied migrations" },
    "allow-data-loss": { type: "boolean", help: "run down migrations that drop data (refused without it)" },
    "dry-run": { type: "boolean", help: "print their SQL to stdout, run nothing (refused as the real run would be)" },
  },
  async run(config, reporter, values) {
    const steps = values.steps as string | undefined;
    const range: DownRange = {
      ...(values.to === undefined ? {} : { to: values.to as string }),
      ...(steps === undefined ? {} : { steps: /^\d+$/.test(steps) ? Number(steps) : Number.NaN }),
      allowDataLoss: values["allow-data-loss"] === true,
    };
    if (values["dry-run"] === true) {
      const planned = await planDown(config, reporter, range);
      if (!config.json && planned.sql !== "") process.stdout.write(`${planned.sql}\n`);
      const summary =
        planned.migrations.length === 0
          ? NOTHING_TO_ROLL_BACK
          : `${planned.migrations.length} migration(s) would be rolled back; nothing was run.`;
      reporter.result(summary, { command: "down", dryRun: true, migrations: planned.migrations });
      return 0;
    }
    const result = await down(config, reporter, range);
    const summary =
      result.rolledBack.length === 0
        ? NOTHING_TO_ROLL_BACK
        : `Rolled back ${result.rolledBack.length} migration(s) in ${formatDuration(result.durationMs)}.`;
    reporter.result(summary, { command: "down", ...result });
    return 0;
  },
};
