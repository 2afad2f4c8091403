import { randomBytes } from "node:crypto";
import type pg from "pg";
import { afterAll, inject } from "vitest";
import { databaseUrl, withClient } from "../connection";
import { templateName } from "./templates";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the server every test file creates its own database on. */
    testServerUrl: string;
    /** Names this run's template databases (see createTestDatabaseFrom), so no other run reuses them. */
    testRunId: string;
  }
}

/** A database of its own for one test file, dropped when the file's tests end. */
export interface TestDatabase {
  /** Connection string of the new, empty database. */
  url: string;
  /** Its name, for tests that build connection strings of their own. */
  name: string;
}

/** The superuser connection string of the run's test server. */
export function testServerUrl(): string {
  return inject("testServerUrl");
}

/** The PostgreSQL major of the run's test server (e.g. 17), for tests whose SQL differs between majors. */
export async function testServerMajor(): Promise<number> {
  const { rows } = await withClient(testServerUrl(), (client) => client.query("SHOW server_version_num"));
  return Math.floor(Number(rows[0].server_version_num) / 10_000);
}

/** Creates a fresh, empty database on the test server (call it at the top of a test file). */
export function createTestDatabase(prefix = "t"): Promise<TestDatabase> {
  return createDatabase(prefix, "");
}

/**
 * Creates a fresh database holding what `build` puts into an empty one, e.g. every migration
 * applied. `build` runs once per test run for each `key` (a short name of what it builds, unique
 * to it), into a template database; each caller gets a copy (`CREATE DATABASE … TEMPLATE`), which
 * takes a fraction of the time of building again. The copy's database-level privileges are the
 * template's (PostgreSQL gives a new database the default ones); anything else a database carries
 * outside itself (per-database settings, a comment) is refused, as a copy would lose it.
 */
export async function createTestDatabaseFrom(
  key: string,
  build: (url: string) => Promise<void>,
  prefix = "t",
): Promise<TestDatabase> {
  const template = templateName(inject("testRunId"), key);
  const serverUrl = testServerUrl();
  await withClient(serverUrl, async (client) => {
    // Test files run in several workers at once: one builds, the others wait for it.
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [template]);
    const { rows } = await client.query("SELECT datistemplate FROM pg_database WHERE datname = $1", [template]);
    if (rows[0]?.datistemplate) return;
    // A template left half-built by a build that failed in another worker is built again.
    await client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${template}"`);
    await build(databaseUrl(serverUrl, template));
    await refuseWhatACopyLoses(client, template);
    // Marks the build finished; copies need no connection to it from then on.
    await client.query(`ALTER DATABASE "${template}" WITH IS_TEMPLATE true`);
  });
  const database = await createDatabase(prefix, ` TEMPLATE "${template}"`);
  await withClient(serverUrl, (client) => copyPrivileges(client, template, database.name));
  return database;
}

async function createDatabase(prefix: string, options: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const serverUrl = testServerUrl();
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"${options}`));
  afterAll(() => withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));
  return { url: databaseUrl(serverUrl, name), name };
}

async function refuseWhatACopyLoses(client: pg.Client, template: string): Promise<void> {
  const { rows } = await client.query(
    `SELECT EXISTS (SELECT FROM pg_db_role_setting s WHERE s.setdatabase = d.oid) AS settings,
            shobj_description(d.oid, 'pg_database') IS NOT NULL AS comment
       FROM pg_database d WHERE d.datname = $1`,
    [template],
  );
  if (rows[0]?.settings || rows[0]?.comment) {
    throw new Error(
      `template ${template} carries per-database settings or a comment, which CREATE DATABASE … TEMPLATE does not copy: build such databases with createTestDatabase`,
    );
  }
}

/** Gives database `copy` the privileges (GRANT/REVOKE … ON DATABASE) of `template`. */
async function copyPrivileges(client: pg.Client, template: string, copy: string): Promise<void> {
  const acl = `SELECT datacl::text[] AS acl FROM pg_database WHERE datname = $1`;
  const wanted = (await client.query(acl, [template])).rows[0]?.acl as string[] | null;
  if (wanted === null) return; // the defaults, which the copy has
  const { rows } = await client.query(
    `SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee,
            a.privilege_type, a.is_grantable
       FROM pg_database d, aclexplode(d.datacl) a
      WHERE d.datname = $1 AND a.grantee <> d.datdba`,
    [template],
  );
  await client.query(`REVOKE ALL ON DATABASE "${copy}" FROM PUBLIC`);
  for (const { grantee, privilege_type, is_grantable } of rows) {
    const option = is_grantable ? " WITH GRANT OPTION" : "";
    await client.query(`GRANT ${privilege_type} ON DATABASE "${copy}" TO ${grantee}${option}`);
  }
  const got = (await client.query(acl, [copy])).rows[0]?.acl as string[] | null;
  if (JSON.stringify([...(got ?? [])].sort()) !== JSON.stringify([...wanted].sort())) {
    throw new Error(`database ${copy} got privileges ${got} instead of its template's ${wanted}`);
  }
}
