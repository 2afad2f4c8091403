import type { ExitCode } from "@devtools-sync/migrate-core";
import type { MigratorConfig } from "./config";
import type { Reporter } from "./output";

/** A flag, for parsing and for `--help`. */
export interface FlagDefinition {
  type: "string" | "boolean";
  /** What `--help` shows after the flag; `value` names a string flag's argument (default `value`). */
  help: string;
  value?: string;
}

export type FlagDefinitions = Record<string, FlagDefinition>;

/** The parsed values of `flags`: a string or a boolean per flag, as declared; absent when not given. */
export type FlagValues<Flags extends FlagDefinitions> = {
  [Name in keyof Flags]?: Flags[Name]["type"] extends "string" ? string : boolean;
};

/** One migrator command: its help text and how it runs; returns the exit code. */
export interface Command<Flags extends FlagDefinitions = FlagDefinitions> {
  name: string;
  summary: string;
  flags: Flags;
  run(config: MigratorConfig, reporter: Reporter, values: FlagValues<Flags>): Promise<ExitCode>;
}

/** Declares a command, keeping its flags' literal types so `run` gets its values typed. */
export function defineCommand<const Flags extends FlagDefinitions>(command: Command<Flags>): Command<Flags> {
  return command;
}
