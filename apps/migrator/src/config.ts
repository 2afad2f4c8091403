import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_LOCK_TIMEOUT_MS, ExitCode, MigrateError } from "@devtools-sync/migrate-core";
import type { FlagDefinitions, FlagValues } from "./command";
import { type DatabaseTarget, parseTarget } from "./target";

/** Everything a command needs to know, from flags and the environment, validated once. */
export interface MigratorConfig {
  /** Where to connect; undefined means the local embedded PostgreSQL under `dataDir`. */
  target: DatabaseTarget | undefined;
  /** The local embedded server's folder (used only without a database URL). */
  dataDir: string;
  /** Port of the local embedded server when this run starts it. */
  localPort: number;
  /** The drizzle-kit migrations folder. */
  migrationsDir: string;
  /** Longest wait for a table lock before a migration backs off and retries. */
  lockTimeoutMs: number;
  /** How many times a migration that hit the lock timeout is tried again, with growing pauses. */
  lockRetries: number;
  /** How long to wait for the database to accept connections. */
  connectTimeoutMs: number;
  /** One JSON object per line instead of human lines. */
  json: boolean;
}

/** The flags every command accepts. */
export const commonFlags = {
  "database-url": {
    type: "string",
    value: "url",
    help: "target database (default: $DATABASE_URL, or $DATABASE_URL_FILE's content;\nwithout either, a local PostgreSQL kept in .data/postgres)",
  },
  "migrations-dir": {
    type: "string",
    value: "dir",
    help: "drizzle-kit migrations folder (default: $MIGRATIONS_DIR, or the bundled one)",
  },
  "lock-timeout": {
    type: "string",
    value: "ms",
    help: "longest wait for a table lock before backing off and retrying (default 500): the longest an application query waits queued behind the migrator",
  },
  "lock-retries": {
    type: "string",
    value: "n",
    help: "retries of a migration that hit the lock timeout, pausing 0.25 s, 0.5 s, … 8 s, each jittered down by up to half (default 5)",
  },
  "connect-timeout": {
    type: "string",
    value: "ms",
    help: "how long to wait for the database to accept connections (default 30000)",
  },
  json: { type: "boolean", help: "one JSON object per line on stdout instead of human lines on stderr" },
  help: { type: "boolean", help: "this text" },
} as const satisfies FlagDefinitions;

export type CommonFlagValues = FlagValues<typeof commonFlags>;

// The bundle ships its migrations beside itself (dist/migrations), as in the Docker image.
const bundledMigrations = join(dirname(fileURLToPath(import.meta.url)), "migrations");

/** Reads flags over environment over defaults; lists every problem at once. */
export function loadConfig(flags: CommonFlagValues, env: NodeJS.ProcessEnv = process.env): MigratorConfig {
  const problems: string[] = [];
  const target = readTarget(flags, env, problems);
  const migrationsDir = resolve(flags["migrations-dir"] ?? env.MIGRATIONS_DIR ?? bundledMigrations);
  if (!existsSync(join(migrationsDir, "meta", "_journal.json"))) {
    problems.push(`no drizzle-kit migrations in ${migrationsDir} (set MIGRATIONS_DIR or --migrations-dir)`);
  }
  const config: MigratorConfig = {
    target,
    dataDir: resolve(env.LOCAL_PG_DATA_DIR ?? ".data/postgres"),
    localPort: wholeNumber("LOCAL_PG_PORT", env.LOCAL_PG_PORT, 54329, problems, 1, 65535),
    migrationsDir,
    lockTimeoutMs: wholeNumber(
      "--lock-timeout",
      flags["lock-timeout"] ?? env.LOCK_TIMEOUT_MS,
      DEFAULT_LOCK_TIMEOUT_MS,
      problems,
    ),
    lockRetries: wholeNumber("--lock-retries", flags["lock-retries"] ?? env.LOCK_RETRIES, 5, problems, 0, 100),
    connectTimeoutMs: wholeNumber(
      "--connect-timeout",
      flags["connect-timeout"] ?? env.CONNECT_TIMEOUT_MS,
      30_000,
      problems,
    ),
    json: flags.json ?? false,
  };
  if (problems.length > 0) {
    throw new MigrateError("bad-config", `Invalid configuration: ${problems.join("; ")}.`, ExitCode.usage);
  }
  return config;
}

/**
 * The target from --database-url, else DATABASE_URL, else the file DATABASE_URL_FILE names. Only
 * when none of them is set at all is it the local PostgreSQL: one set but empty (a CI secret that
 * expanded to nothing) is a problem, never a quiet switch to another database.
 */
function readTarget(flags: CommonFlagValues, env: NodeJS.ProcessEnv, problems: string[]): DatabaseTarget | undefined {
  const source = flags["database-url"] !== undefined ? "--database-url" : "DATABASE_URL";
  let url = flags["database-url"] ?? env.DATABASE_URL;
  if (url === undefined && env.DATABASE_URL_FILE !== undefined) {
    const file = env.DATABASE_URL_FILE;
    if (file.trim() === "") {
      problems.push("DATABASE_URL_FILE is set but empty: name the file holding the URL, or unset it");
      return undefined;
    }
    try {
      url = readFileSync(file, "utf8").trim();
    } catch {
      problems.push(`DATABASE_URL_FILE ${file} cannot be read`);
      return undefined;
    }
    if (url === "") {
      problems.push(`DATABASE_URL_FILE ${file} is empty: it must hold the database URL`);
      return undefined;
    }
  }
  if (url === undefined) return undefined;
  if (url.trim() === "") {
    problems.push(
      `${source} is set but empty: give the database URL (postgres://user:password@host:5432/database), or unset it to use the local PostgreSQL`,
    );
    return undefined;
  }
  try {
    return parseTarget(url);
  } catch (error) {
    problems.push((error as Error).message);
    return undefined;
  }
}

function wholeNumber(
  name: string,
  raw: string | undefined,
  fallback: number,
  problems: string[],
  min = 0,
  max = 3_600_000,
): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return value;
}
