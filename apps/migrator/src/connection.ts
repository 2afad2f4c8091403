import { ExitCode, MigrateError } from "@devtools-sync/migrate-core";
import pg from "pg";
import type { MigratorConfig } from "./config";
import type { Reporter } from "./output";
import { readServerFacts, refuseUnsupportedVersion, type ServerFacts } from "./server-support";
import { type DatabaseTarget, parseTarget } from "./target";

// Errors worth waiting out: the server is starting, restarting, or not reachable yet
// (compose and Kubernetes start the migrator alongside the database). A host name that does not
// resolve (ENOTFOUND) is not among them: that is a wrong URL, and waiting does not fix it.
const TRANSIENT = new Set(["ECONNREFUSED", "ECONNRESET", "EAI_AGAIN", "ETIMEDOUT", "57P03"]);

/** Shortest bound on one connection attempt, so that even `--connect-timeout 0` gets one real try. */
const MIN_ATTEMPT_MS = 2_000;

/** A session of its own on the target database, and how to let it go. */
export interface Connection {
  client: pg.Client;
  /** Where the session is: the configured target, or the local embedded database. */
  target: DatabaseTarget;
  /** Why the server takes no writes from this session, or undefined when it does. */
  readOnly: string | undefined;
  /** Read once on connecting; a server older than the oldest supported major was refused. */
  server: ServerFacts;
  close(): Promise<void>;
}

/**
 * Connects to the configured database (or the local embedded one), waiting with backoff up to
 * `connectTimeoutMs` while it is not reachable yet. Fails in one line naming the cause.
 */
export async function connect(config: MigratorConfig, reporter: Reporter): Promise<Connection> {
  const local = config.target === undefined ? await startLocal(config, reporter) : undefined;
  const target = config.target ?? (local?.target as DatabaseTarget);
  const deadline = Date.now() + config.connectTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({
      connectionString: target.url,
      application_name: "devtools-sync-migrator",
      // A host that drops packets would hold one attempt for minutes; the deadline bounds it too.
      connectionTimeoutMillis: Math.max(deadline - Date.now(), MIN_ATTEMPT_MS),
    });
    // An idle connection that dies is reported by the next query, not as an unhandled event.
    client.on("error", () => {});
    const reported = serverReports(client);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      const code = errorCode(error);
      const remainingMs = deadline - Date.now();
      if (!TRANSIENT.has(code) || remainingMs <= 0) {
        await local?.stop();
        throw connectionError(target, error, config.connectTimeoutMs);
      }
      if (attempt === 1) reporter.waitingForDatabase(target.display);
      const delayMs = Math.min(100 * 2 ** (attempt - 1), 2_000, remainingMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      continue;
    }
    const close = async () => {
      await client.end().catch(() => {});
      await local?.stop();
    };
    try {
      const server = await readServerFacts(client);
      refuseUnsupportedVersion(server, target.display);
      return { client, target, readOnly: readOnlyReason(reported), server, close };
    } catch (error) {
      await close();
      throw error;
    }
  }
}

/** What the work on a connection needs of the server. */
export interface ConnectionNeeds {
  /** Why the work must write (e.g. "up applies migrations"): a read-only server is then refused up front. */
  writes?: string;
}

/**
 * Runs `work` on a session of its own on the target database (the connection also says where it is
 * and what was read of its server), closed afterwards whatever happens.
 */
export async function withConnection<T>(
  config: MigratorConfig,
  reporter: Reporter,
  work: (client: pg.Client, connection: Connection) => Promise<T>,
  needs: ConnectionNeeds = {},
): Promise<T> {
  const connection = await connect(config, reporter);
  try {
    if (needs.writes && connection.readOnly) {
      throw new MigrateError(
        "read-only-target",
        `${connection.target.display} ${connection.readOnly}, and ${needs.writes}: point DATABASE_URL at the primary, writable database.`,
        ExitCode.usage,
      );
    }
    return await work(connection.client, connection);
  } finally {
    await connection.close();
  }
}

/**
 * The settings the server reports as the session starts (PostgreSQL 14 and later report
 * `in_hot_standby` and `default_transaction_read_only` among them), read without a query.
 */
function serverReports(client: pg.Client): Map<string, string> {
  const reported = new Map<string, string>();
  client.connection.on("parameterStatus", (message: { parameterName: string; parameterValue: string }) =>
    reported.set(message.parameterName, message.parameterValue),
  );
  return reported;
}

function readOnlyReason(reported: Map<string, string>): string | undefined {
  if (reported.get("in_hot_standby") === "on") return "is a hot standby (read-only replica)";
  if (reported.get("default_transaction_read_only") === "on") {
    return "is read-only (default_transaction_read_only is on for this role or database)";
  }
  return undefined;
}

/** The error's code; pg's own connection timeout has none, and counts as a timed-out attempt. */
function errorCode(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  if (code) return code;
  return /timeout/i.test(message ?? "") ? "ETIMEDOUT" : "";
}

/** The database the local server holds the schema in. */
export const LOCAL_DATABASE = "devtools_sync";

async function startLocal(config: MigratorConfig, reporter: Reporter) {
  const server = await startLocalServer(config);
  const url = await ensureDatabase(server.url, LOCAL_DATABASE);
  reporter.usingLocalDatabase(url, config.dataDir);
  return { target: parseTarget(url), stop: () => server.stop() };
}

/**
 * Starts (or attaches to) the local PostgreSQL in `config.dataDir`; loaded on demand, since the
 * Docker image ships without it.
 */
export async function startLocalServer(config: MigratorConfig) {
  try {
    const local = await import("@devtools-sync/local-postgres");
    return await local.startLocalPostgres({
      dataDir: config.dataDir,
      port: config.localPort,
      auth: "trust",
      persistent: true,
    });
  } catch (error) {
    if (isMissingPackage(error)) {
      throw new MigrateError(
        "no-database-url",
        "DATABASE_URL is required: this build has no local PostgreSQL to fall back on; set DATABASE_URL (or DATABASE_URL_FILE) to the target database.",
        ExitCode.usage,
        { cause: error },
      );
    }
    throw new MigrateError(
      "local-database-failed",
      `${(error as Error).message}. Free the port or set LOCAL_PG_PORT, or set DATABASE_URL to use another server.`,
      ExitCode.failure,
      { cause: error },
    );
  }
}

/** The local server's code or its npm-shipped binaries are not installed (the bundle, the Docker image). */
function isMissingPackage(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === "ERR_MODULE_NOT_FOUND" && /postgres/.test(message ?? "");
}

/** Creates database `name` on the server unless it exists; returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function connectionError(target: DatabaseTarget, error: unknown, timeoutMs: number): MigrateError {
  const code = errorCode(error);
  const message = (error as Error).message ?? String(error);
  const { display, user, database } = target;
  const known: Record<string, [string, ExitCode]> = {
    "28P01": [
      `Authentication failed for ${user} at ${display}: check the user and password in DATABASE_URL.`,
      ExitCode.usage,
    ],
    "28000": [
      `${display} refused ${user}: allow it in pg_hba.conf or use another role in DATABASE_URL.`,
      ExitCode.usage,
    ],
    "3D000": [
      `Database ${database} does not exist on ${display}: create it, or fix the database name in DATABASE_URL.`,
      ExitCode.usage,
    ],
    ENOTFOUND: [`Host ${target.host} of ${display} not found: fix the host name in DATABASE_URL.`, ExitCode.usage],
  };
  const [text, exitCode]: [string, ExitCode] = known[code] ?? [
    TRANSIENT.has(code)
      ? `Cannot reach the database at ${display} (${code}) after ${Math.round(timeoutMs / 1000)} s: check that it is running and that DATABASE_URL names the right host and port.`
      : `Cannot connect to ${display}: ${message}.`,
    ExitCode.failure,
  ];
  return new MigrateError("connection-failed", text, exitCode, { cause: error });
}
