import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { startThrowawayPostgres } from "@devtools-sync/local-postgres";
import { clientToolsFor, databaseUrl, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "../test-fixtures/harness";

// The README's backup procedure, run as written: pg_dump --enable-row-security as a member of
// devtools_sync_backup, pg_restore as the migrator's role into a new database it owns. Every other
// way an operator might try (as the owner, or as a service) fails loudly, never an empty backup.

// pg_dump reads servers of its own major and older: the run's server when this machine has one for it,
// else a PostgreSQL 15 of the test's own (Debian 12 ships pg_dump 15; no npm package ships pg_dump).
const forRunServer = await clientToolsFor(testServerUrl());
const server = forRunServer ? undefined : await startThrowawayPostgres({ major: 15 });
const serverUrl = server?.url ?? testServerUrl();
const tools =
  forRunServer ??
  (await clientToolsFor(serverUrl)) ??
  (() => {
    throw new Error(
      "pg_dump and pg_restore were not found: install PostgreSQL's client programs (Debian: apt-get install postgresql-client).",
    );
  })();
const tool = (name: string) => join(tools.bin, name);
const run = promisify(execFile);
afterAll(() => server?.stop());

const suffix = randomBytes(4).toString("hex");
const password = randomBytes(12).toString("hex");
const owner = `owner_${suffix}`;
const archiver = `archiver_${suffix}`;
const operator = `operator_${suffix}`;
const source = `backup_source_${suffix}`;
const restored = `backup_restored_${suffix}`;

/** The URL of `database` on the server, as `role` (the server's own superuser when none). */
function url(database: string, role?: string): string {
  const parsed = new URL(databaseUrl(serverUrl, database));
  if (role) {
    parsed.username = role;
    parsed.password = password;
  }
  return parsed.toString();
}

await withClient(serverUrl, async (client) => {
  await client.query(`CREATE ROLE "${owner}" LOGIN CREATEROLE CREATEDB PASSWORD '${password}'`);
  for (const database of [source, restored]) await client.query(`CREATE DATABASE "${database}" OWNER "${owner}"`);
});
afterAll(() =>
  withClient(serverUrl, async (client) => {
    for (const database of [source, restored]) await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    for (const role of [archiver, operator, owner]) await client.query(`DROP ROLE IF EXISTS "${role}"`);
  }),
);

const noLoginRoles = ["--app-role", "", "--readonly-role", "", "--admin-role", ""];
const migrated = await runCli([
  "up",
  "--database-url",
  url(source, owner),
  "--migrations-dir",
  migrationsFolder,
  ...noLoginRoles,
]);
if (migrated.code !== 0) throw new Error(migrated.stderr);
const seeded = await runCli(["seed", "--force", "--database-url", url(source)]);
if (seeded.code !== 0) throw new Error(seeded.stderr);
await withClient(url(source), async (client) => {
  await client.query(`CREATE ROLE "${archiver}" LOGIN PASSWORD '${password}' IN ROLE devtools_sync_backup`);
  await client.query(`CREATE ROLE "${operator}" LOGIN PASSWORD '${password}' IN ROLE devtools_sync_admin`);
  // The seed writes no audit entry; a backup must hold the trail too.
  await client.query(
    "INSERT INTO audit_log (event_type, actor_type, group_id) SELECT 'group.created', 'system', id FROM groups",
  );
});

/** Every row of every table of the schema and the ledgers, read as the server's superuser. */
const everyRow = (database: string) =>
  withClient(url(database), async (client) => {
    const { rows: tables } = await client.query(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
       WHERE schemaname IN ('public', 'migrator', 'drizzle') ORDER BY 1`,
    );
    const contents: Record<string, string[]> = {};
    for (const { name } of tables) {
      const { rows } = await client.query(`SELECT to_jsonb(t)::text AS row FROM ${name} t ORDER BY 1`);
      contents[name] = rows.map((row) => row.row);
    }
    return contents;
  });

/** pg_dump of the source database as `role`, to a file; its exit code and messages. */
async function dump(role: string, flags: string[]) {
  const file = join(await tempDir(), "backup.dump");
  const result = await run(tool("pg_dump"), [...flags, `--file=${file}`, `--dbname=${url(source, role)}`]).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
  return { ...result, file };
}

describe(`a backup taken with pg_dump ${tools.major}`, () => {
  it("as the README says holds every row, restores into a new database, and the migrator carries on there", async () => {
    const backup = await dump(archiver, ["--format=custom", "--enable-row-security"]);
    expect(backup.code, backup.stderr).toBe(0);
    await run(tool("pg_restore"), [
      "--no-owner",
      "--exit-on-error",
      "--single-transaction",
      `--dbname=${url(restored, owner)}`,
      backup.file,
    ]);
    const temporaryForEveryone = () =>
      withClient(url(restored, owner), async (client) => {
        const { rows } = await client.query(
          "SELECT has_database_privilege('public', current_database(), 'TEMPORARY') AS open",
        );
        return rows[0].open as boolean;
      });
    expect(await temporaryForEveryone()).toBe(true); // pg_dump kept no privilege of the database
    // --no-owner made the restoring role own purge_audit_log and the compliance functions too, and
    // 0013's REVOKE TEMPORARY is lost: the README's step hands them back and does the other again.
    await withClient(url(restored, owner), (client) =>
      client.query(`BEGIN;
        GRANT CREATE ON SCHEMA public TO devtools_sync_audit_purger, devtools_sync_compliance;
        ALTER FUNCTION purge_audit_log(timestamptz) OWNER TO devtools_sync_audit_purger;
        ALTER FUNCTION compliance_follow_reports() OWNER TO devtools_sync_compliance;
        ALTER FUNCTION compliance_follow_agents() OWNER TO devtools_sync_compliance;
        ALTER FUNCTION compliance_follow_rules() OWNER TO devtools_sync_compliance;
        ALTER FUNCTION compliance_follow_groups() OWNER TO devtools_sync_compliance;
        ALTER FUNCTION compliance_build_group(uuid) OWNER TO devtools_sync_compliance;
        REVOKE CREATE ON SCHEMA public FROM devtools_sync_audit_purger, devtools_sync_compliance;
        REVOKE TEMPORARY ON DATABASE "${restored}" FROM PUBLIC;
        COMMIT`),
    );
    expect(await temporaryForEveryone()).toBe(false);

    const before = await everyRow(source);
    for (const table of [
      "public.groups",
      "public.agents",
      "public.reports",
      "public.audit_log",
      "migrator.applied_migrations",
    ]) {
      expect(before[table]?.length, table).toBeGreaterThan(0);
    }
    expect(await everyRow(restored)).toEqual(before);

    const target = (folder: string) => ["--database-url", url(restored, owner), "--migrations-dir", folder];
    const status = await runCli(["status", ...target(migrationsFolder)]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    const verify = await runCli(["verify", ...target(migrationsFolder)]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    // The next migration applies cleanly, and up's own comparison afterwards finds nothing.
    const next = await tempDir();
    await cp(migrationsFolder, next, { recursive: true });
    const journalFile = join(next, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalFile, "utf8"));
    const tag = `${String(journal.entries.length).padStart(4, "0")}_add_blocklist_note`;
    journal.entries.push({ idx: journal.entries.length, version: "7", when: Date.now(), tag, breakpoints: true });
    await writeFile(journalFile, JSON.stringify(journal, null, 2));
    await writeFile(join(next, `${tag}.sql`), 'ALTER TABLE "blocklist" ADD COLUMN "note" text;\n');
    const up = await runCli(["up", ...target(next), ...noLoginRoles]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain(tag);
  }, 120_000);

  it.each([
    ["the migrator's role", [], () => owner, /row-level security/],
    ["the migrator's role", ["--enable-row-security"], () => owner, /reads and writes no group's rows/],
    ["a member of devtools_sync_backup", [], () => archiver, /row-level security/],
    ["a member of devtools_sync_admin", ["--enable-row-security"], () => operator, /permission denied/],
  ])("as %s with flags %j fails loudly, never an empty backup", async (_who, flags, role, reason) => {
    const backup = await dump(role(), ["--format=custom", ...flags]);
    expect(backup.code).not.toBe(0);
    expect(backup.stderr).toMatch(reason);
  });
});
