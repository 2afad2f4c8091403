import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { databaseUrl, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { afterAll } from "vitest";
import type { MigratorConfig } from "../src/config";
import { parseTarget } from "../src/target";

// Process-level helpers for the migrator's tests: they run the bundled CLI exactly as a deploy
// pipeline does (node dist/cli.js), against real databases on the test server.

export const cliPath = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

if (!existsSync(cliPath)) {
  throw new Error(`${cliPath} is missing: build the migrator first (pnpm --filter @devtools-sync/migrator build).`);
}

/** Generous bound on anything a test waits for; never an assertion about speed. */
export const PATIENCE_MS = 30_000;

/** The environment of a deploy that passes everything as flags (none of the migrator's variables set). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    "DATABASE_URL",
    "DATABASE_URL_FILE",
    "MIGRATIONS_DIR",
    "LOCK_TIMEOUT_MS",
    "LOCK_RETRIES",
    "CONNECT_TIMEOUT_MS",
    "LOCAL_PG_DATA_DIR",
    "LOCAL_PG_PORT",
    "MIGRATOR_ENV",
    ...["APP_ROLE", "READONLY_ROLE", "ADMIN_ROLE"].flatMap((role) => [role, `${role}_PASSWORD_FILE`]),
  ]) {
    delete env[name];
  }
  return env;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running migrator process, its output so far, and ways to wait on it. */
export interface CliProcess {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** The `--json` objects printed so far. */
  events(): Array<Record<string, unknown>>;
  /** Resolves with the first `--json` object matching `predicate`. */
  waitForEvent(predicate: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<CliRun>;
}

/** Starts the migrator with `args`, and `env` over an environment that sets none of its variables. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...cleanEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
    notify();
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
    notify();
  });
  // Bound every process: a hung migrator fails the test instead of hanging the run.
  const guard = setTimeout(() => child.kill("SIGKILL"), PATIENCE_MS);
  const exited = new Promise<CliRun>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      notify();
      resolve({ code, signal, stdout, stderr });
    });
  });
  const events = () => parseJsonLines(stdout);
  return {
    child,
    output: () => ({ stdout, stderr }),
    events,
    exited,
    waitForEvent: (predicate) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events().find(predicate);
          if (found) {
            listeners.delete(check);
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            reject(new Error(`the migrator exited before the expected event:\n${stdout}\n${stderr}`));
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

/** Runs the migrator to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return startCli(args, env).exited;
}

/** Every line of `text` parsed as JSON (each line must be one object). */
export function parseJsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

/** The lines of `text`, without the empty last one. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

export {
  type FixtureMigration,
  refusal,
  temporaryFolder as tempDir,
  writeMigrationsFolder as writeMigrations,
} from "@devtools-sync/migrate-core/testing";

/** Our ledger's names in order, and how many rows drizzle's ledger holds. */
export async function ledgers(url: string): Promise<{ names: string[]; finished: boolean[]; drizzleRows: number }> {
  return withClient(url, async (client) => {
    const present = await client.query(
      "SELECT to_regclass('migrator.applied_migrations') IS NOT NULL AS ours, to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS theirs",
    );
    const ours = present.rows[0].ours
      ? (await client.query("SELECT name, finished FROM migrator.applied_migrations ORDER BY created_at")).rows
      : [];
    const drizzleRows = present.rows[0].theirs
      ? (await client.query("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations")).rows[0].n
      : 0;
    return { names: ours.map((row) => row.name), finished: ours.map((row) => row.finished), drizzleRows };
  });
}

/** Whether a table exists in the public schema. */
export function tableExists(url: string, table: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const { rows } = await client.query("SELECT to_regclass($1) IS NOT NULL AS present", [`public.${table}`]);
    return rows[0].present;
  });
}

/** Polls `condition` until it holds, for at most PATIENCE_MS. */
export async function eventually(description: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting until ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A migrator configuration for calling a command's library function directly against `url`. */
export function testConfig(url: string | undefined, json = false): MigratorConfig {
  return {
    target: url === undefined ? undefined : parseTarget(url),
    dataDir: "/nonexistent",
    localPort: 54329,
    migrationsDir: migrationsFolder,
    lockTimeoutMs: 5_000,
    lockRetries: 5,
    connectTimeoutMs: 5_000,
    json,
  };
}

/** A TCP port on localhost that nothing listens on (until something is started on it). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * An empty database on the test server named as a development one (`<prefix>_<hex>_dev`), which
 * `seed` and `reset` accept with MIGRATOR_ENV=development; dropped after the file.
 */
export async function developmentDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}_dev`;
  await withClient(testServerUrl(), (client) => client.query(`CREATE DATABASE "${name}"`));
  afterAll(() =>
    withClient(testServerUrl(), (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  );
  return databaseUrl(testServerUrl(), name);
}
