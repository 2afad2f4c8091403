import { randomBytes } from "node:crypto";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { startThrowawayPostgres } from "@devtools-sync/local-postgres";
import { databaseUrl, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { readMigrations } from "@devtools-sync/migrate-core";
import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { lines, runCli } from "../test-fixtures/harness";

// PostgreSQL 15 to 18 are supported. Older servers are refused before anything runs, and so is a
// schema `public` where every role may create objects and the migrator cannot take that away.

const noLoginRoles = ["--app-role", "", "--readonly-role", "", "--admin-role", ""];
const target = (url: string) => ["--database-url", url, "--migrations-dir", migrationsFolder];

/** The names of what a database holds beside PostgreSQL's own: schemas and public's tables. */
const footprint = (url: string) =>
  withClient(url, async (client) => {
    const { rows } = await client.query(
      `SELECT nspname AS name FROM pg_namespace WHERE nspname IN ('migrator', 'drizzle')
       UNION ALL SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
    );
    return rows.map((row) => row.name);
  });

describe("on PostgreSQL 14 (end of life in November 2026)", () => {
  it("every command refuses in one line, exit 2, and writes nothing", async () => {
    const server = await startThrowawayPostgres({ major: 14 });
    try {
      for (const command of ["up", "status", "verify", "plan"]) {
        const run = await runCli([command, ...target(server.url)]);
        expect(run.code, run.stderr).toBe(2);
        expect(lines(run.stderr)).toEqual([
          expect.stringMatching(
            /^Error: postgres@localhost:\d+\/postgres runs PostgreSQL 14\.\d+, which is not supported \(PostgreSQL 14 reached end of life in November 2026\): upgrade it to 15 or newer\.$/,
          ),
        ]);
      }
      expect(await footprint(server.url)).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 120_000);
});

const suffix = randomBytes(4).toString("hex");
const owner = `owner_${suffix}`;
const password = randomBytes(12).toString("hex");
const server = testServerUrl();
const databases: string[] = [];
// The roles exist already (another database made them); 0008 hands purge_audit_log to the purger
// role and 0026 the compliance functions to the compliance role, which the migrator's role must be
// able to act as (a DBA's one GRANT, as the README says).
await createMigratedTestDatabase(migrationsFolder);
await withClient(server, async (client) => {
  await client.query(`CREATE ROLE "${owner}" LOGIN CREATEROLE CREATEDB PASSWORD '${password}'`);
  await client.query(`GRANT devtools_sync_audit_purger, devtools_sync_compliance TO "${owner}"`);
});
afterAll(() =>
  withClient(server, async (client) => {
    for (const name of databases) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS "${owner}"`);
  }),
);

describe("a schema public where every role may create objects (PostgreSQL's default before 15)", () => {
  /** A database owned by a migrator role that is no superuser, with public open to every role. */
  async function openDatabase(publicOwnedBy: "the test server's role" | "the migrator's role") {
    const name = `open_${suffix}_${databases.length}`;
    databases.push(name);
    await withClient(server, async (client) => {
      await client.query(`CREATE DATABASE "${name}" OWNER "${owner}"`);
    });
    await withClient(databaseUrl(server, name), async (client) => {
      const newOwner = publicOwnedBy === "the migrator's role" ? "pg_database_owner" : "CURRENT_USER";
      await client.query(`ALTER SCHEMA public OWNER TO ${newOwner}; GRANT CREATE ON SCHEMA public TO PUBLIC`);
    });
    const url = new URL(databaseUrl(server, name));
    url.username = owner;
    url.password = password;
    return { admin: databaseUrl(server, name), asOwner: url.toString() };
  }

  const publicMayCreate = (url: string) =>
    withClient(url, async (client) => {
      const { rows } = await client.query("SELECT has_schema_privilege('public', 'public', 'CREATE') AS open");
      return rows[0].open as boolean;
    });

  it.each(["up", "baseline"])(
    "%s refuses in one line, exit 2, when the migrator cannot revoke that, and changes nothing",
    async (command) => {
      const { admin, asOwner } = await openDatabase("the test server's role");
      const { username: serverRole } = new URL(server);
      const args = command === "baseline" ? ["baseline", "--to", "0000_create_seed_schema"] : [command];
      const run = await runCli([...args, ...target(asOwner)]);
      expect(run.code, run.stderr).toBe(2);
      expect(lines(run.stderr)).toEqual([
        `Error: Every role may create objects in schema public, and ${owner} cannot revoke that since ${serverRole} owns it: ` +
          `as ${serverRole}, run ALTER SCHEMA public OWNER TO pg_database_owner (PostgreSQL 15's default: the database's owner), then rerun.`,
      ]);
      expect(await footprint(admin)).toEqual([]);

      // Done as it says, the migrations close it.
      await withClient(admin, (client) => client.query("ALTER SCHEMA public OWNER TO pg_database_owner"));
      if (command === "up") {
        const fixed = await runCli([
          "up",
          ...target(asOwner),
          "--app-role",
          "",
          "--readonly-role",
          "",
          "--admin-role",
          "",
        ]);
        expect(fixed.code, fixed.stderr).toBe(0);
        expect(await publicMayCreate(admin)).toBe(false);
      }
    },
    60_000,
  );

  it("up closes it on a database migrated while the REVOKE of 0005 could not take effect", async () => {
    const history = await readMigrations(migrationsFolder);
    const closing = history.findIndex((migration) => migration.name.endsWith("_close_public_schema"));
    const before = history[closing - 1]?.name as string;
    const { admin, asOwner } = await openDatabase("the migrator's role");
    const upTo = await runCli(["up", "--to", before, ...target(asOwner), ...noLoginRoles]);
    expect(upTo.code, upTo.stderr).toBe(0);
    // What 0005 left where it could not revoke: public open to every role.
    await withClient(admin, (client) => client.query("GRANT CREATE ON SCHEMA public TO PUBLIC"));
    const run = await runCli(["up", ...target(asOwner), ...noLoginRoles]);
    expect(run.code, run.stderr).toBe(0);
    expect(await publicMayCreate(admin)).toBe(false);
  }, 60_000);

  it("up closes it when the migrator's role owns public", async () => {
    const { admin, asOwner } = await openDatabase("the migrator's role");
    const run = await runCli(["up", ...target(asOwner), ...noLoginRoles]);
    expect(run.code, run.stderr).toBe(0);
    expect(await publicMayCreate(admin)).toBe(false);
    await expect(
      withClient(admin, (client) => client.query("SET ROLE devtools_sync_app; CREATE TABLE planted (id int)")),
    ).rejects.toThrow(/permission denied for schema public/);
  }, 60_000);
});

describe("a database the migrator's role does not own", () => {
  it("up stops at 0013, whose REVOKE TEMPORARY would change nothing, and says which ALTER DATABASE lets it through", async () => {
    const name = `not_owned_${suffix}`;
    databases.push(name);
    await withClient(server, async (client) => {
      await client.query(`CREATE DATABASE "${name}"`);
      await client.query(`GRANT CREATE ON DATABASE "${name}" TO "${owner}"`);
    });
    const admin = databaseUrl(server, name);
    // Owning public (not the database) takes the migrator through 0000-0012.
    await withClient(admin, (client) => client.query(`ALTER SCHEMA public OWNER TO "${owner}"`));
    const url = new URL(admin);
    url.username = owner;
    url.password = password;
    const temporaryForEveryone = () =>
      withClient(admin, async (client) => {
        const { rows } = await client.query(
          "SELECT has_database_privilege('public', current_database(), 'TEMPORARY') AS open",
        );
        return rows[0].open as boolean;
      });

    const refused = await runCli(["up", ...target(url.toString()), ...noLoginRoles]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `every role may still create temporary tables in database ${name}, which ${owner} does not own`,
    );
    expect(refused.stderr).toContain(`ALTER DATABASE ${name} OWNER TO ${owner}`);
    expect(await temporaryForEveryone()).toBe(true);

    await withClient(server, (client) => client.query(`ALTER DATABASE "${name}" OWNER TO "${owner}"`));
    await withClient(admin, (client) => client.query("ALTER SCHEMA public OWNER TO pg_database_owner"));
    const run = await runCli(["up", ...target(url.toString()), ...noLoginRoles]);
    expect(run.code, run.stderr).toBe(0);
    expect(await temporaryForEveryone()).toBe(false);
  }, 60_000);
});
