import { ExitCode, schemaDrift } from "@devtools-sync/migrate-core";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import type { Reporter } from "../output";

/** How the live `public` schema compares with the schema of the applied migrations. */
export interface VerifyResult {
  /** The last applied migration the comparison is against, or null when none is recorded. */
  through: string | null;
  /** Every difference in words; empty when the database matches. */
  differences: string[];
  /** Objects left out on purpose, e.g. golang-migrate's `schema_migrations`. */
  ignored: string[];
}

/**
 * Builds the schema the applied migrations produce in a scratch database `migrator_verify_<random>`
 * on the same server (dropped after) and compares it with the live one. Writes nothing to the target.
 */
export async function verify(config: MigratorConfig, reporter: Reporter): Promise<VerifyResult> {
  return withConnection(config, reporter, (client) => schemaDrift({ client, folder: config.migrationsDir }), {
    writes: "verify builds the expected schema in a scratch database on that server",
  });
}

export const verifyCommand = defineCommand({
  name: "verify",
  summary:
    "Compare the live schema with the one the applied migrations create (in a scratch database; needs CREATEDB); exit 4 listing each difference.",
  flags: {},
  async run(config, reporter) {
    const result = await verify(config, reporter);
    const data = { command: "verify", ok: result.differences.length === 0, ...result };
    if (result.differences.length === 0) {
      reporter.result(`Schema matches ${against(result)}.`, data);
      return ExitCode.ok;
    }
    reporter.result(driftLines(result).join("\n"), data);
    return ExitCode.integrity;
  },
});

function against(result: VerifyResult): string {
  return result.through ? `the migrations up to ${result.through}` : "no migrations (none is recorded)";
}

/** A drift found: a heading line, one line per difference, and a hint when no history is recorded. */
export function driftLines(result: VerifyResult): string[] {
  return [
    `Schema drift: ${result.differences.length} difference(s) from ${against(result)}:`,
    ...result.differences.map((difference) => `  - ${difference}`),
    ...(result.through
      ? []
      : ["No migration is recorded here: if its schema was made another way, see migrator baseline."]),
  ];
}
