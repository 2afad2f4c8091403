import { randomBytes } from "node:crypto";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { migrate, readMigrations, withScratchDatabase } from "@devtools-sync/migrate-core";
import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import { describe, expect, it } from "vitest";
import { accessAttacks } from "../../test-fixtures/attacks";
import { testConfig as config, runCli } from "../../test-fixtures/harness";
import { createReporter } from "../output";
import { verify, verifyCommand } from "./verify";

const quiet = createReporter(true, () => {});
const lastMigration = (await readMigrations(migrationsFolder)).at(-1)?.name;

const migratedDatabase = () => createMigratedTestDatabase(migrationsFolder);

/** Runs `fn` with the URL of a new login role that may read the ledgers, dropped after. */
async function asOtherRole<T>(databaseUrl: string, attributes: string, fn: (url: string) => Promise<T>): Promise<T> {
  const role = `verifier_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(8).toString("hex");
  await withClient(
    databaseUrl,
    (client) =>
      client.query(`CREATE ROLE ${role} LOGIN ${attributes} PASSWORD '${password}';
      GRANT USAGE ON SCHEMA migrator, drizzle TO ${role};
      GRANT SELECT ON ALL TABLES IN SCHEMA migrator, drizzle TO ${role};
      GRANT devtools_sync_audit_purger, devtools_sync_compliance TO ${role};`), // as for any migrating role: 0008 and 0026 hand functions to them
  );
  let failed = false;
  try {
    const url = new URL(databaseUrl);
    url.username = role;
    url.password = password;
    return await fn(url.toString());
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // A failed cleanup must not hide why `fn` failed; PostgreSQL names what still depends on the
    // role only in the error's detail.
    await withClient(databaseUrl, (client) => client.query(`DROP OWNED BY ${role}; DROP ROLE ${role};`)).catch(
      (error: { message: string; detail?: string }) => {
        if (!failed) throw new Error(`${error.message}: ${error.detail}`, { cause: error });
      },
    );
  }
}

const databaseExists = (name: string) =>
  withClient(testServerUrl(), async (client) =>
    Boolean((await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount),
  );

describe("migrator verify", () => {
  it("passes on a database the migrations made", async () => {
    const database = await migratedDatabase();
    const result = await verify(config(database.url), quiet);
    expect(result).toEqual({ through: lastMigration, differences: [], ignored: [] });
    expect(await verifyCommand.run(config(database.url), quiet, {})).toBe(0);
  });

  it("builds the expected schema in a scratch database migrator_verify_* that is dropped after, even on failure", async () => {
    const database = await createTestDatabase();
    const names: string[] = [];
    await withClient(database.url, async (client) => {
      await withScratchDatabase(client, async (scratch) => {
        names.push(scratch.database as string);
        expect(await databaseExists(scratch.database as string)).toBe(true);
      });
      const failure = withScratchDatabase(client, async (scratch) => {
        names.push(scratch.database as string);
        throw new Error("boom");
      });
      await expect(failure).rejects.toThrow("boom");
    });
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(name).toMatch(/^migrator_verify_[0-9a-f]{12}$/);
      expect(await databaseExists(name)).toBe(false);
    }
  });

  it("compares with the applied migrations only, not with pending ones", async () => {
    const database = await createTestDatabase();
    await withClient(database.url, (client) =>
      migrate({ client, folder: migrationsFolder, to: "0002_enforce_not_null_and_value_sets" }),
    );
    expect(await verify(config(database.url), quiet)).toMatchObject({
      through: "0002_enforce_not_null_and_value_sets",
      differences: [],
    });
  });

  it("reports a dropped index, an extra column, a changed default, unforced row-level security and a dropped policy in words, with exit 4", async () => {
    const database = await migratedDatabase();
    await withClient(database.url, (client) =>
      client.query(`DROP INDEX idx_users_role;
        ALTER TABLE users ADD COLUMN nickname text;
        ALTER TABLE agents ALTER COLUMN status SET DEFAULT 'inactive';
        ALTER TABLE agents NO FORCE ROW LEVEL SECURITY;
        DROP POLICY reports_own_group ON reports;`),
    );
    const result = await verify(config(database.url), quiet);
    const expected = [
      "index idx_users_role on users is missing",
      "column nickname of users is extra",
      "column agents.status: default is 'inactive'::character varying, expected 'active'::character varying",
      "table agents: row-level security is enabled, expected forced",
      "policy reports_own_group on reports is missing",
    ];
    expect([...result.differences].sort()).toEqual([...expected].sort());

    const human: string[] = [];
    const code = await verifyCommand.run(
      config(database.url),
      createReporter(false, (_, line) => human.push(line)),
      {},
    );
    expect(code).toBe(4);
    const text = human.join("\n").split("\n");
    expect(text[0]).toBe(`Schema drift: 5 difference(s) from the migrations up to ${lastMigration}:`);
    for (const difference of expected) expect(text).toContain(`  - ${difference}`);

    const json: string[] = [];
    expect(
      await verifyCommand.run(
        config(database.url, true),
        createReporter(true, (_, line) => json.push(line)),
        {},
      ),
    ).toBe(4);
    const result2 = JSON.parse(json.at(-1) as string);
    expect(result2).toMatchObject({ type: "result", command: "verify", ok: false });
    expect([...result2.differences].sort()).toEqual([...expected].sort());
  });

  it("reports each change to privileges, row-level security, policies and triggers as one named difference", async () => {
    const database = await migratedDatabase();
    const attacks = accessAttacks(decodeURIComponent(new URL(database.url).username));
    await withClient(database.url, (client) => client.query(attacks.map((attack) => attack.sql).join(";\n")));
    const result = await verify(config(database.url), quiet);
    expect([...result.differences].sort()).toEqual(attacks.map((attack) => attack.difference).sort());
    expect(await verifyCommand.run(config(database.url), quiet, {})).toBe(4);
  });

  it("passes on a database up migrated and gave its login roles", async () => {
    const database = await createTestDatabase();
    const target = ["--database-url", database.url];
    const up = await runCli(["up", ...target]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain("Login roles: devtools_sync_service (devtools_sync_app)");
    const verified = await runCli(["verify", ...target]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it("passes when run by another role than the one that migrated, which then owns the scratch copy", async () => {
    const database = await migratedDatabase();
    const differences = await asOtherRole(
      database.url,
      "CREATEDB",
      async (url) => (await verify(config(url), quiet)).differences,
    );
    expect(differences).toEqual([]);
  });

  it("fails in one line naming CREATEDB when the role may not create the scratch database", async () => {
    const database = await migratedDatabase();
    const error = await asOtherRole(database.url, "NOCREATEDB", (url) =>
      verify(config(url), quiet).catch((caught: unknown) => caught),
    );
    expect(error).toMatchObject({ code: "createdb-denied", exitCode: 2 });
    expect((error as Error).message).toMatch(/CREATEDB/);
    expect((error as Error).message).not.toContain("\n");
  });
});
