import { fileURLToPath } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { scaleFlag } from "./data/plan";

type Options = NonNullable<ParseArgsConfig["options"]>;

const common = {
  scale: { type: "string", default: "0.01" },
  "database-url": { type: "string" },
  out: { type: "string", default: fileURLToPath(new URL("../../../bench/results", import.meta.url)) },
} as const satisfies Options;

/**
 * The flags every bench command takes, `--scale N` (default 0.01), `--database-url URL` (else
 * BENCH_DATABASE_URL, else the local server in .data/bench-postgres) and `--out DIR` (default
 * bench/results), parsed from the command line together with the command's own `options`.
 * A bad flag or value throws (runMain: one line, exit 2).
 */
export function benchArgs<T extends Options>(
  options: T,
  { allowPositionals = false, args = process.argv.slice(2) } = {},
) {
  const { values, positionals } = parseArgs<{ options: T & typeof common; allowPositionals: boolean; args: string[] }>({
    args,
    allowPositionals,
    options: { ...options, ...common },
  });
  // parseArgs's types cannot narrow `values` while T is open; these three are always there.
  const flags = values as { scale: string; "database-url"?: string; out: string };
  return {
    scale: scaleFlag(flags.scale),
    databaseUrl: flags["database-url"] ?? process.env.BENCH_DATABASE_URL,
    out: flags.out,
    values,
    positionals,
  };
}
