import { randomBytes } from "node:crypto";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { databaseUrl, testServerMajor, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { readMigrations } from "@devtools-sync/migrate-core";
import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../test-fixtures/harness";

// Production does not migrate as a superuser: the migrator's role owns the database and may
// create roles, nothing more. Everything still works, and FORCE binds that owner too.

const suffix = randomBytes(4).toString("hex");
const owner = `owner_${suffix}`;
const service = `service_${suffix}`;
const password = randomBytes(12).toString("hex");
const name = `owned_${suffix}`;
const server = testServerUrl();

// The group roles exist already (another database made them), so the owner gets what PostgreSQL
// 16+ gives the creator of a role: ADMIN OPTION, to grant membership in it (neither inherited nor
// SET-able). PostgreSQL 15 lets CREATEROLE grant any membership without it.
const grantsNeedAdminOption = (await testServerMajor()) >= 16;
await createMigratedTestDatabase(migrationsFolder);
await withClient(server, async (client) => {
  await client.query(`CREATE ROLE "${owner}" LOGIN CREATEROLE PASSWORD '${password}'`);
  await client.query(`CREATE DATABASE "${name}" OWNER "${owner}"`);
  if (grantsNeedAdminOption) {
    await client.query(
      `GRANT devtools_sync_app, devtools_sync_readonly, devtools_sync_admin, devtools_sync_audit_purger, devtools_sync_compliance TO "${owner}" WITH ADMIN OPTION, INHERIT FALSE, SET FALSE`,
    );
  }
});
/** Lets the owner take on devtools_sync_admin (`SET ROLE`), or takes that back. */
const adminForOwner = (allowed: boolean) =>
  withClient(server, (client) =>
    client.query(
      grantsNeedAdminOption
        ? `GRANT devtools_sync_admin TO "${owner}" WITH SET ${allowed ? "TRUE" : "FALSE"}`
        : `${allowed ? "GRANT" : "REVOKE"} devtools_sync_admin ${allowed ? "TO" : "FROM"} "${owner}"`,
    ),
  );
afterAll(() =>
  withClient(server, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    for (const role of [service, owner]) await client.query(`DROP ROLE IF EXISTS "${role}"`);
  }),
);

const noLoginRoles = ["--app-role", "", "--readonly-role", "", "--admin-role", ""];
const asOwner = (() => {
  const url = new URL(databaseUrl(server, name));
  url.username = owner;
  url.password = password;
  return url.toString();
})();

describe("a migrator that owns the database and may create roles, but is no superuser", () => {
  it("builds the compliance state of groups that exist before it, though it reads no group's rows itself", async () => {
    const journal = (await readMigrations(migrationsFolder)).map((migration) => migration.name);
    const build = journal.findIndex((tag) => tag.endsWith("_build_compliance_state"));
    const before = await runCli([
      "up",
      "--database-url",
      asOwner,
      "--to",
      journal[build - 1] as string,
      ...noLoginRoles,
    ]);
    expect(before.code, before.stderr).toBe(0);
    await withClient(databaseUrl(server, name), (client) =>
      client.query("INSERT INTO groups (name) VALUES ('existing before the compliance state')"),
    );
    const run = await runCli(["up", "--database-url", asOwner, "--to", journal[build] as string, ...noLoginRoles]);
    expect(run.code, run.stderr).toBe(0);
    const built = await withClient(databaseUrl(server, name), (client) =>
      client.query("SELECT count(*)::int AS groups FROM compliance_groups"),
    );
    expect(built.rows).toEqual([{ groups: 1 }]);
  });

  it("applies every migration and ensures the login roles", async () => {
    const run = await runCli([
      "up",
      "--database-url",
      asOwner,
      "--app-role",
      service,
      "--readonly-role",
      "",
      "--admin-role",
      "",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Login roles: ${service} (devtools_sync_app).`);
  });

  it("seeds only once it may act as devtools_sync_admin, and says so in one line before", async () => {
    const refused = await runCli(["seed", "--force", "--database-url", asOwner]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split("\n")).toEqual([
      `Error: Seeding writes every group's rows, which row-level security allows only a superuser or devtools_sync_admin: run GRANT devtools_sync_admin TO ${owner}, or seed as a superuser.`,
    ]);
    await adminForOwner(true);
    const seeded = await runCli(["seed", "--force", "--database-url", asOwner]);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(seeded.stderr).toContain("Inserted");
    await adminForOwner(false);
  });

  it("is bound by the policies itself: reading or writing any group's rows fails loudly (never an empty answer), and it cannot rewrite the audit log", async () => {
    await withClient(databaseUrl(server, name), (client) =>
      client.query(`INSERT INTO groups (id, name) VALUES ('aaaaaaaa-0000-4000-8000-00000000000a', 'A');
        INSERT INTO audit_log (event_type, actor_type, group_id) VALUES ('x.y', 'system', 'aaaaaaaa-0000-4000-8000-00000000000a')`),
    );
    await withClient(asOwner, async (client) => {
      const refused = new RegExp(`row-level security binds the database owner ${owner} too`);
      for (const table of ["groups", "audit_log"]) {
        await expect(client.query(`SELECT count(*) FROM ${table}`)).rejects.toThrow(refused);
      }
      await expect(
        client.query("INSERT INTO groups (id, name) VALUES ('aaaaaaaa-0000-4000-8000-00000000000b', 'B')"),
      ).rejects.toThrow(refused);
      await expect(client.query("TRUNCATE audit_log")).rejects.toThrow(/audit_log is append-only/);
    });
  });
});
