import { ExitCode, MigrateError, baseline as recordBaseline, SchemaDriftError } from "@devtools-sync/migrate-core";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import type { Reporter } from "../output";
import { refuseOpenPublicSchema } from "../server-support";

/** What `baseline` recorded. */
export interface BaselineResult {
  recorded: string[];
  ignored: string[];
}

/**
 * Takes over a database whose schema was made another way (the seed's golang-migrate SQL, a
 * restored dump): once its schema is proven equal to what the migrations up to `to` create,
 * records them as applied in both ledgers, under the migration lock, without running them.
 */
export async function baseline(
  config: MigratorConfig,
  reporter: Reporter,
  to: string | undefined,
): Promise<BaselineResult> {
  if (!to) {
    throw new MigrateError(
      "usage",
      "baseline needs --to <migration>: the last migration whose schema the database already has (e.g. --to 0000_create_seed_schema).",
      ExitCode.usage,
    );
  }
  return withConnection(
    config,
    reporter,
    (client, { server }) => {
      refuseOpenPublicSchema(server);
      return recordBaseline({ client, folder: config.migrationsDir, to, onEvent: (event) => reporter.event(event) });
    },
    { writes: "baseline records migrations in the ledgers" },
  );
}

export const baselineCommand = defineCommand({
  name: "baseline",
  summary:
    "Take over a database made without the migrator: if its schema equals what the migrations up to --to create, record them as applied (exit 4 otherwise).",
  flags: {
    to: {
      type: "string",
      value: "migration",
      help: "the last migration the database already has, e.g. 0000_create_seed_schema",
    },
  },
  async run(config, reporter, values) {
    try {
      const result = await baseline(config, reporter, values.to);
      const ignored = result.ignored.length > 0 ? ` Left alone: ${result.ignored.join(", ")}.` : "";
      reporter.result(
        `Recorded ${result.recorded.length} migration(s) as applied, through ${result.recorded.at(-1)}; migrator up applies the rest.${ignored}`,
        { command: "baseline", ok: true, ...result },
      );
      return ExitCode.ok;
    } catch (error) {
      if (!(error instanceof SchemaDriftError)) throw error;
      reporter.result(`Error: ${error.message}`, {
        command: "baseline",
        ok: false,
        code: error.code,
        differences: error.differences,
      });
      return error.exitCode;
    }
  },
});
