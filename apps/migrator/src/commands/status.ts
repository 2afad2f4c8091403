import { ExitCode, status as readStatus } from "@devtools-sync/migrate-core";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import type { Reporter } from "../output";

/** Applied and pending migrations, by name, with the contract `up` holds and unfinished backfills. */
export interface StatusResult {
  applied: string[];
  /** What `up` would apply now. */
  pending: string[];
  /** The contract `up` holds until `up --contract <name>`, and the expand it completes. */
  held: { name: string; expand: string } | null;
  /** Pending migrations after the held contract. */
  waiting: string[];
  /** Backfills an interrupted `up` left unfinished (the next `up` resumes them). */
  backfills: { migration: string; table: string; rowsDone: number }[];
}

/** Reads what is applied and what is pending; writes nothing and takes no lock. */
export async function status(config: MigratorConfig, reporter: Reporter): Promise<StatusResult> {
  return withConnection(config, reporter, async (client) => {
    const found = await readStatus({ client, folder: config.migrationsDir });
    const held =
      found.held?.phase?.kind === "contract" ? { name: found.held.name, expand: found.held.phase.expand } : null;
    return {
      applied: found.applied.map((m) => m.name),
      pending: found.pending.map((m) => m.name),
      held,
      waiting: found.waiting.map((m) => m.name),
      backfills: found.backfills.map(({ migration, table, rowsDone }) => ({ migration, table, rowsDone })),
    };
  });
}

export const statusCommand = defineCommand({
  name: "status",
  summary:
    "List applied, pending and held migrations; exit 3 when up has work to do (a held contract alone is not: it waits for up --contract).",
  flags: {},
  async run(config, reporter) {
    const result = await status(config, reporter);
    const lines = [
      `${result.applied.length} applied, ${result.pending.length} pending${result.held ? ", 1 held" : ""}.`,
      ...result.applied.map((name) => `  applied  ${name}`),
      ...result.backfills.map(
        (b) => `  backfilling  ${b.table} for ${b.migration} (${b.rowsDone} rows done; migrator up resumes it)`,
      ),
      ...result.pending.map((name) => `  pending  ${name}`),
      ...(result.held
        ? [
            `  held     ${result.held.name} (contract of ${result.held.expand}; apply with up --contract ${result.held.name})`,
          ]
        : []),
      ...result.waiting.map((name) => `  waiting  ${name} (after the held contract)`),
    ];
    reporter.result(lines.join("\n"), { command: "status", ...result });
    return result.pending.length > 0 || result.backfills.length > 0 ? ExitCode.pending : ExitCode.ok;
  },
});
