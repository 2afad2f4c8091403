import { honourSslMode } from "@devtools-sync/db/connection-string";
import pg from "pg";

/** The database a run works on, read once from its connection string. */
export interface DatabaseTarget {
  /** The connection string given to the driver (sslmode honoured). Holds the password: never print it. */
  url: string;
  /** `user@host:port/database`, never the password: how every message names the target. */
  display: string;
  user: string;
  database: string;
  /**
   * The host the connection really uses, resolved as the driver resolves it: the URL's `host=`
   * parameter, else its host, else `$PGHOST`, else `localhost`. A Unix socket directory starts with `/`.
   */
  host: string;
  port: number;
  /** The host is a loopback address or a Unix socket: the database is on this machine. */
  local: boolean;
}

// libpq (and so psql and pg) take `postgres://user:pw@/db?host=/socket/dir`, an empty host after
// credentials, which WHATWG URL parsing rejects; a stand-in host lets it parse, then goes again.
const NO_HOST = "no-host.invalid";

/**
 * Reads a `postgres://` connection string. Throws a TypeError naming the problem, never the URL
 * (it holds the password).
 */
export function parseTarget(connectionString: string): DatabaseTarget {
  const hostless = /^postgres(?:ql)?:\/\/[^/?#]*@\//i.test(connectionString);
  const parseable = hostless ? connectionString.replace("@/", `@${NO_HOST}/`) : connectionString;
  let parsed: URL;
  try {
    parsed = new URL(parseable);
  } catch {
    throw new TypeError("the database URL is not a URL (expected postgres://user:password@host:5432/database)");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new TypeError(`the database URL starts with ${parsed.protocol}// (expected postgres:// or postgresql://)`);
  }
  let url: string;
  try {
    url = honourSslMode(parseable);
  } catch (error) {
    throw new TypeError(`the database URL's ${(error as Error).message}`);
  }
  if (hostless) url = url.replace(`@${NO_HOST}/`, "@/");
  // The driver's own resolution (query parameters, then the URL, then PG* variables, then
  // defaults), so what is shown and judged is where the connection really goes.
  let resolved: pg.Client;
  try {
    resolved = new pg.Client({ connectionString: url });
  } catch (error) {
    throw new TypeError(`the database URL is refused by the driver: ${(error as Error).message}`);
  }
  const host = resolved.host;
  const user = resolved.user ?? "(default user)";
  const database = resolved.database ?? user;
  return {
    url,
    display: `${user}@${host}:${resolved.port}/${database}`,
    user,
    database,
    host,
    port: resolved.port,
    local: isLocalHost(host),
  };
}

/** The same server, role and parameters, on another database (e.g. the maintenance database `postgres`). */
export function onDatabase(target: DatabaseTarget, database: string): DatabaseTarget {
  // A string replacement, not URL parsing: a socket URL (`postgres://u@/db?host=/dir`) has no host.
  return parseTarget(
    target.url.replace(/^(postgres(?:ql)?:\/\/[^/?#]*)\/[^?#]*/i, `$1/${encodeURIComponent(database)}`),
  );
}

function isLocalHost(host: string): boolean {
  return host.startsWith("/") || host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}
