import { ExitCode, MigrateError } from "@devtools-sync/migrate-core";
import pg from "pg";
import type { MigratorConfig } from "./config";
import type { Reporter } from "./output";
import { type DatabaseTarget, parseTarget } from "./target";

// Errors worth waiting out: the server is starting, restarting, or not reachable yet
// (compose and Kubernetes start the migrator alongside the database).
const TRANSIENT = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "57P03"]);

/** A session of its own on the target database, and how to let it go. */
export interface Connection {
  client: pg.Client;
  /** Where the session is: the configured target, or the local embedded database. */
  target: DatabaseTarget;
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
    const client = new pg.Client({ connectionString: target.url, application_name: "devtools-sync-migrator" });
    // An idle connection that dies is reported by the next query, not as an unhandled event.
    client.on("error", () => {});
    try {
      await client.connect();
      return {
        client,
        target,
        close: async () => {
          await client.end().catch(() => {});
          await local?.stop();
        },
      };
    } catch (error) {
      await client.end().catch(() => {});
      const code = (error as { code?: string }).code ?? "";
      const delayMs = Math.min(100 * 2 ** (attempt - 1), 2_000);
      if (!TRANSIENT.has(code) || Date.now() + delayMs > deadline) {
        await local?.stop();
        throw connectionError(target, error, config.connectTimeoutMs);
      }
      if (attempt === 1) reporter.waitingForDatabase(target.display);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** Runs `work` on a session of its own on the target database, closed afterwards whatever happens. */
export async function withConnection<T>(
  config: MigratorConfig,
  reporter: Reporter,
  work: (client: pg.Client, target: DatabaseTarget) => Promise<T>,
): Promise<T> {
  const connection = await connect(config, reporter);
  try {
    return await work(connection.client, connection.target);
  } finally {
    await connection.close();
  }
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
  let local: typeof import("@devtools-sync/local-postgres");
  try {
    local = await import("@devtools-sync/local-postgres");
  } catch (error) {
    throw new MigrateError(
      "no-database-url",
      "No DATABASE_URL given and this build has no embedded PostgreSQL: set DATABASE_URL (or DATABASE_URL_FILE).",
      ExitCode.usage,
      { cause: error },
    );
  }
  return local
    .startLocalPostgres({ dataDir: config.dataDir, port: config.localPort, auth: "trust", persistent: true })
    .catch((error: Error) => {
      throw new MigrateError(
        "local-database-failed",
        `${error.message}. Free the port or set LOCAL_PG_PORT, or set DATABASE_URL to use another server.`,
        ExitCode.failure,
        { cause: error },
      );
    });
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
  const { code = "", message = String(error) } = error as { code?: string; message?: string };
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
    ENOTFOUND: [`Host of ${display} not found: fix the host name in DATABASE_URL.`, ExitCode.failure],
  };
  const [text, exitCode]: [string, ExitCode] = known[code] ?? [
    TRANSIENT.has(code)
      ? `Cannot reach the database at ${display} (${code}) after ${Math.round(timeoutMs / 1000)} s: check that it is running and that DATABASE_URL names the right host and port.`
      : `Cannot connect to ${display}: ${message}.`,
    ExitCode.failure,
  ];
  return new MigrateError("connection-failed", text, exitCode, { cause: error });
}
