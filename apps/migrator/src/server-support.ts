import { ExitCode, MigrateError } from "@devtools-sync/migrate-core";
import type pg from "pg";

/** The oldest PostgreSQL major the migrator runs on; 14 reached end of life in November 2026. */
export const OLDEST_SUPPORTED_MAJOR = 15;

/** What the migrator must know of a server before it trusts it with the schema. */
export interface ServerFacts {
  /** e.g. "17.10" */
  version: string;
  major: number;
  /** The migrator's role (`current_user`). */
  role: string;
  /**
   * The owner of schema `public` when every role may CREATE in it (PostgreSQL's default before 15,
   * kept by pg_upgrade) and the migrator's role cannot revoke that; otherwise null.
   */
  openPublicSchemaOwner: string | null;
}

/** Reads the server's facts in one query (one round trip for every command). */
export async function readServerFacts(client: pg.ClientBase): Promise<ServerFacts> {
  const { rows } = await client.query<{ version: string; number: number; role: string; owner: string | null }>(
    `SELECT current_setting('server_version') AS version, current_setting('server_version_num')::int AS number,
            current_user AS role,
            (SELECT pg_get_userbyid(n.nspowner) FROM pg_namespace n
              WHERE n.nspname = 'public' AND has_schema_privilege('public', n.oid, 'CREATE')
                AND NOT pg_has_role(current_user, n.nspowner, 'USAGE')) AS owner`,
  );
  const row = rows[0] as (typeof rows)[number];
  return {
    version: row.version.split(" ")[0] as string,
    major: Math.floor(row.number / 10_000),
    role: row.role,
    openPublicSchemaOwner: row.owner,
  };
}

/** Refuses, in one line (exit 2), a PostgreSQL older than the oldest supported major. */
export function refuseUnsupportedVersion(facts: ServerFacts, target: string): void {
  if (facts.major >= OLDEST_SUPPORTED_MAJOR) return;
  throw new MigrateError(
    "unsupported-server",
    `${target} runs PostgreSQL ${facts.version}, which is not supported (PostgreSQL 14 reached end of life in November 2026): upgrade it to ${OLDEST_SUPPORTED_MAJOR} or newer.`,
    ExitCode.usage,
  );
}

/**
 * Refuses (exit 2) to create or take over the schema where every role may create objects in
 * `public` and the migrator's role cannot revoke that: migration 0005's REVOKE would silently do
 * nothing, and the service roles could create tables.
 */
export function refuseOpenPublicSchema(facts: ServerFacts): void {
  const owner = facts.openPublicSchemaOwner;
  if (owner === null) return;
  throw new MigrateError(
    "public-schema-open",
    `Every role may create objects in schema public, and ${facts.role} cannot revoke that since ${owner} owns it: ` +
      `as ${owner}, run ALTER SCHEMA public OWNER TO pg_database_owner (PostgreSQL 15's default: the database's owner), then rerun.`,
    ExitCode.usage,
  );
}
