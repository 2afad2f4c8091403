import type { MigratorConfig } from "./config";
import type { Reporter } from "./output";

/** A command-specific flag, for parsing and for `--help`. */
export interface FlagDefinition {
  type: "string" | "boolean";
  help: string;
}

/** One migrator command: its help text and how it runs; returns the exit code. */
export interface Command {
  name: string;
  summary: string;
  flags: Record<string, FlagDefinition>;
  run(
    config: MigratorConfig,
    reporter: Reporter,
    values: Record<string, string | boolean | undefined>,
  ): Promise<number>;
}
