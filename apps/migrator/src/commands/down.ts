import { checkRollbackRange, rollback } from "@devtools-sync/migrate-core";
import type { Command } from "../command";
import type { MigratorConfig } from "../config";
import { connect } from "../connection";
import { formatDuration, type Reporter } from "../output";

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

export const downCommand: Command = {
  name: "down",
  summary: "Roll back the latest migrations with their down migrations (--to or --steps required).",
  flags: {
    to: { type: "string", help: "roll back every migration after this one (it stays the last applied)" },
    steps: { type: "string", help: "roll back this many of the latest applied migrations" },
    "allow-data-loss": { type: "boolean", help: "run down migrations that drop data (refused without it)" },
  },
  async run(config, reporter, values) {
    const steps = values.steps as string | undefined;
    const result = await down(config, reporter, {
      ...(values.to === undefined ? {} : { to: values.to as string }),
      ...(steps === undefined ? {} : { steps: /^\d+$/.test(steps) ? Number(steps) : Number.NaN }),
      allowDataLoss: values["allow-data-loss"] === true,
    });
    const summary =
      result.rolledBack.length === 0
        ? "Nothing to roll back: that migration is already the last applied."
        : `Rolled back ${result.rolledBack.length} migration(s) in ${formatDuration(result.durationMs)}.`;
    reporter.result(summary, { command: "down", ...result });
    return 0;
  },
};
