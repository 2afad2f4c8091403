import { ExitCode, status as readStatus } from "@devtools-sync/migrate-core";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import type { Reporter } from "../output";

/** Applied and pending migrations, by name. */
export interface StatusResult {
  applied: string[];
  pending: string[];
}

/** Reads what is applied and what is pending; writes nothing and takes no lock. */
export async function status(config: MigratorConfig, reporter: Reporter): Promise<StatusResult> {
  return withConnection(config, reporter, async (client) => {
    const plan = await readStatus({ client, folder: config.migrationsDir });
    return { applied: plan.applied.map((m) => m.name), pending: plan.pending.map((m) => m.name) };
  });
}

export const statusCommand = defineCommand({
  name: "status",
  summary: "List applied and pending migrations; exit 3 when some are pending.",
  flags: {},
  async run(config, reporter) {
    const result = await status(config, reporter);
    const lines = [
      `${result.applied.length} applied, ${result.pending.length} pending.`,
      ...result.applied.map((name) => `  applied  ${name}`),
      ...result.pending.map((name) => `  pending  ${name}`),
    ];
    reporter.result(lines.join("\n"), { command: "status", ...result });
    return result.pending.length > 0 ? ExitCode.pending : ExitCode.ok;
  },
});
