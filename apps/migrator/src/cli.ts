import { parseArgs } from "node:util";
import { ExitCode, MigrateError } from "@devtools-sync/migrate-core";
import type { Command, FlagDefinition, FlagDefinitions, FlagValues } from "./command";
import { commonFlags, loadConfig } from "./config";
import { createReporter } from "./output";
import { redact } from "./redact";

// Each command is imported only when it runs, so a no-op `up` loads no more than it needs.
const commands: Record<string, () => Promise<Command>> = {
  up: () => import("./commands/up").then((m) => m.upCommand),
  down: () => import("./commands/down").then((m) => m.downCommand),
  status: () => import("./commands/status").then((m) => m.statusCommand),
  plan: () => import("./commands/plan").then((m) => m.planCommand),
  verify: () => import("./commands/verify").then((m) => m.verifyCommand),
  baseline: () => import("./commands/baseline").then((m) => m.baselineCommand),
  seed: () => import("./commands/seed").then((m) => m.seedCommand),
  start: () => import("./commands/start").then((m) => m.startCommand),
  reset: () => import("./commands/reset").then((m) => m.resetCommand),
  "create-admin": () => import("./commands/create-admin").then((m) => m.createAdminCommand),
};

/**
 * Every exit code a command can end with and what it means: for `--help`, and (through a test)
 * for the README.
 */
export const exitCodes: Record<ExitCode, string> = {
  [ExitCode.ok]:
    "done, or already up to date; up: also when it stopped before a held contract (it says which); status: nothing for up to do but a held contract",
  [ExitCode.failure]: "a migration, a backfill or the database failed",
  [ExitCode.usage]:
    "usage or configuration error (bad flag, bad or empty URL, unknown host, wrong password, missing database, read-only server, PostgreSQL older than 15, a schema public open to every role that the migrator cannot close); down refused (irreversible, unwritten or missing down migration, data loss without --allow-data-loss, a contract); up --contract naming a migration that is not a contract",
  [ExitCode.pending]: "status: migrations are pending, or a backfill is unfinished (up applies or resumes them)",
  [ExitCode.integrity]:
    "integrity: an applied migration (or its down file) was edited or is missing, or one is out of order; expand/contract marker lines contradict each other, or a contract names no earlier expand; verify, baseline and up's comparison: the live schema differs from the migrations' (each difference listed)",
  [ExitCode.refused]:
    "up: refused by the lock gate before running anything (a statement would scan or rewrite a table over --max-blocking-rows under a lock that blocks reads or writes, or could not be measured); plan: up would refuse",
};

/** Runs the migrator with `argv` (without node and script); returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const reporter = createReporter(json);
  try {
    const name = argv[0] && !argv[0].startsWith("-") ? argv[0] : "up";
    if (argv.includes("--help") || argv[0] === "help") {
      createReporter(false).print(await usage());
      return ExitCode.ok;
    }
    const load = commands[name];
    if (!load) throw usageError(`unknown command "${name}"`);
    const command = await load();
    const values = parseFlags(argv.slice(argv[0] === name ? 1 : 0), { ...commonFlags, ...command.flags });
    return await command.run(loadConfig(values), reporter, values);
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

/** Parses `args` as `flags` declare them; anything undeclared or mistyped is a usage error. */
function parseFlags<Flags extends FlagDefinitions>(args: string[], flags: Flags): FlagValues<Flags> {
  const options = Object.fromEntries(Object.entries(flags).map(([flag, { type }]) => [flag, { type }]));
  try {
    // parseArgs types its values from literal options only; these follow `flags`, declared literally.
    return parseArgs({ args, options, strict: true }).values as FlagValues<Flags>;
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

function usageError(problem: string): MigrateError {
  return new MigrateError("usage", `${problem}: see migrator --help.`, ExitCode.usage);
}

/** `--help`: every command with its own flags, the common flags, the exit codes; all from their declarations. */
export async function usage(): Promise<string> {
  const commandLines: string[] = [];
  for (const load of Object.values(commands)) {
    const command = await load();
    commandLines.push(...column(`  ${command.name}`, command.summary));
    for (const [flag, definition] of Object.entries(command.flags)) {
      commandLines.push(...column(`    ${flagSyntax(flag, definition)}`, definition.help));
    }
  }
  const flagLines = Object.entries(commonFlags).flatMap(([flag, definition]) =>
    column(`  ${flagSyntax(flag, definition)}`, definition.help),
  );
  const exitLines = Object.entries(exitCodes).flatMap(([code, meaning]) => column(`  ${code}`, meaning, 5));
  return [
    "Usage: migrator [command] [flags]",
    "",
    "Applies the DevTools Sync migrations (packages/db/migrations) to PostgreSQL.",
    "",
    "Commands:",
    ...commandLines,
    "",
    "Flags (every command):",
    ...flagLines,
    "",
    "Exit codes:",
    ...exitLines,
  ].join("\n");
}

/** `--name <value>` for a string flag, `--name` for a boolean one. */
export function flagSyntax(flag: string, { type, value }: FlagDefinition): string {
  return type === "string" ? `--${flag} <${value ?? "value"}>` : `--${flag}`;
}

const HELP_WIDTH = 110;

/** `label` padded to `width`, then `text` wrapped to the help's width, continued under itself. */
function column(label: string, text: string, width = 27): string[] {
  const lines: string[] = [];
  let line = label.length < width ? label.padEnd(width) : `${label} `;
  let fresh = true;
  for (const word of text.split(/[ \n]+/)) {
    if (!fresh && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = " ".repeat(width);
      fresh = true;
    }
    line += fresh ? word : ` ${word}`;
    fresh = false;
  }
  lines.push(line);
  return lines;
}
