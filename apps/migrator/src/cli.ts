import { parseArgs } from "node:util";
import { ExitCode, MigrateError } from "@devtools-sync/migrate-core";
import type { Command } from "./command";
import { type CommonFlagValues, commonFlags, loadConfig } from "./config";
import { createReporter } from "./output";
import { redact } from "./redact";

// Each command is imported only when it runs, so a no-op `up` loads no more than it needs.
const commands: Record<string, () => Promise<Command>> = {
  up: () => import("./commands/up").then((m) => m.upCommand),
  down: () => import("./commands/down").then((m) => m.downCommand),
  status: () => import("./commands/status").then((m) => m.statusCommand),
  start: () => import("./commands/start").then((m) => m.startCommand),
  plan: () => import("./commands/plan").then((m) => m.planCommand),
  verify: () => import("./commands/verify").then((m) => m.verifyCommand),
  baseline: () => import("./commands/baseline").then((m) => m.baselineCommand),
  seed: () => import("./commands/seed").then((m) => m.seedCommand),
};

const USAGE = `Usage: migrator [command] [flags]

Applies the DevTools Sync migrations (packages/db/migrations) to PostgreSQL.

Commands:
%COMMANDS%

Flags (every command):
  --database-url <url>     target database (default: $DATABASE_URL, or $DATABASE_URL_FILE's content;
                           without either, a local PostgreSQL kept in .data/postgres)
  --migrations-dir <dir>   drizzle-kit migrations folder (default: $MIGRATIONS_DIR, or the bundled one)
  --lock-timeout <ms>      longest wait for a table lock before backing off and retrying (default 5000)
  --lock-retries <n>       retries of a migration that hit the lock timeout, pausing 0.25 s, 0.5 s, … 8 s (default 5)
  --connect-timeout <ms>   how long to wait for the database to accept connections (default 30000)
  --json                   one JSON object per line on stdout instead of human lines on stderr
  --help                   this text

Exit codes:
  0  done, or already up to date
  1  a migration or the database failed
  2  usage or configuration error (bad flag, bad URL, wrong password, missing database);
     down: refused (irreversible, unwritten or missing down migration, data loss without --allow-data-loss)
  3  status: migrations are pending
  4  integrity: an applied migration (or its down file) was edited or is missing, or one is out of order;
     verify, baseline, up's comparison: the live schema differs from the migrations' (each difference listed)`;

/** Runs the migrator with `argv` (without node and script); returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const reporter = createReporter(json);
  try {
    const name = argv[0] && !argv[0].startsWith("-") ? argv[0] : "up";
    if (argv.includes("--help") || argv[0] === "help") {
      process.stdout.write(`${await usage()}\n`);
      return ExitCode.ok;
    }
    const load = commands[name];
    if (!load) throw usageError(`unknown command "${name}"`);
    const command = await load();
    const options = { ...commonFlags, ...toParseArgsOptions(command) };
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({ args: argv.slice(argv[0] === name ? 1 : 0), options, strict: true }));
    } catch (error) {
      throw usageError((error as Error).message);
    }
    return await command.run(loadConfig(values as CommonFlagValues), reporter, values);
  } catch (error) {
    if (error instanceof MigrateError) {
      reporter.error(error.code, error.message, error.exitCode);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    const details = process.env.MIGRATOR_DEBUG && error instanceof Error ? `\n${error.stack}` : "";
    reporter.error(
      "unexpected",
      redact(`${message} (unexpected: run again with MIGRATOR_DEBUG=1 for the stack trace, and report it)${details}`),
      ExitCode.failure,
    );
    return ExitCode.failure;
  }
}

function toParseArgsOptions(command: Command) {
  return Object.fromEntries(Object.entries(command.flags).map(([flag, { type }]) => [flag, { type }]));
}

function usageError(problem: string): MigrateError {
  return new MigrateError("usage", `${problem}: see migrator --help.`, ExitCode.usage);
}

async function usage(): Promise<string> {
  const lines: string[] = [];
  for (const load of Object.values(commands)) {
    const command = await load();
    lines.push(`  ${command.name.padEnd(22)} ${command.summary}`);
    for (const [flag, { type, help }] of Object.entries(command.flags)) {
      const name = `    --${flag}${type === "string" ? " <value>" : ""}`;
      lines.push(`${name.padEnd(25)} ${help}`);
    }
  }
  return USAGE.replace("%COMMANDS%", lines.join("\n"));
}
