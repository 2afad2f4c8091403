import { migrate } from "@devtools-sync/migrate-core";
import type { Command } from "../command";
import type { MigratorConfig } from "../config";
import { connect } from "../connection";
import { formatDuration, type Reporter } from "../output";

/** What `up` did. */
export interface UpResult {
  applied: string[];
  durationMs: number;
}

/** Applies every pending migration (or up to `to`) and reports each as it lands. */
export async function up(config: MigratorConfig, reporter: Reporter, to?: string): Promise<UpResult> {
  const started = performance.now();
  const connection = await connect(config, reporter);
  try {
    const { applied } = await migrate({
      client: connection.client,
      folder: config.migrationsDir,
      lockTimeoutMs: config.lockTimeoutMs,
      onEvent: (event) => reporter.event(event),
      ...(to === undefined ? {} : { to }),
    });
    return { applied, durationMs: performance.now() - started };
  } finally {
    await connection.close();
  }
}

export const upCommand: Command = {
  name: "up",
  summary: "Apply pending migrations (the default command).",
  flags: { to: { type: "string", help: "apply only up to and including this migration" } },
  async run(config, reporter, values) {
    const result = await up(config, reporter, values.to as string | undefined);
    const summary =
      result.applied.length === 0
        ? "Database is up to date; nothing to apply."
        : `Applied ${result.applied.length} migration(s) in ${formatDuration(result.durationMs)}.`;
    reporter.result(summary, { command: "up", ...result });
    return 0;
  },
};
