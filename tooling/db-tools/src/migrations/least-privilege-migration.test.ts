import { readFile } from "node:fs/promises";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { describeSchema, migrate } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";

// 0005_enforce_least_privilege on databases that already hold data, and its down file.

const BEFORE = "0004_tune_indexes_for_hot_paths";
const BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZRGdjGj/n3.QWHKjNC.5RILXPnZGW";

async function databaseBefore0005() {
  const database = await createTestDatabase();
  await withClient(database.url, (client) => migrate({ client, folder: migrationsFolder, to: BEFORE }));
  return database;
}

/** Row-level security flags, policies and our roles' grants: what describeSchema does not cover. */
const accessControl = (url: string) =>
  withClient(url, async (client) => {
    const { rows } = await client.query(`
      SELECT
        (SELECT count(*)::int FROM pg_class WHERE relrowsecurity OR relforcerowsecurity) AS rls_tables,
        (SELECT count(*)::int FROM pg_policies) AS policies,
        (SELECT count(*)::int FROM information_schema.role_table_grants WHERE grantee LIKE 'devtools_sync_%') AS grants,
        (SELECT count(*)::int FROM information_schema.column_privileges WHERE grantee LIKE 'devtools_sync_%') AS column_grants,
        (SELECT count(*)::int FROM pg_default_acl) AS default_privileges`);
    return rows[0];
  });

describe("0005_enforce_least_privilege", () => {
  it("refuses a database holding a password that is no hash, naming the user and the cleanup, and keeps nothing", async () => {
    const database = await databaseBefore0005();
    await withClient(database.url, (client) =>
      client.query(`INSERT INTO users (id, email, password_hash) VALUES
        ('11111111-1111-1111-1111-111111111111', 'plain@example.com', 'hunter2'),
        ('22222222-2222-2222-2222-222222222222', 'fine@example.com', '${BCRYPT}')`),
    );
    const failure = withClient(database.url, (client) => migrate({ client, folder: migrationsFolder }));
    await expect(failure).rejects.toThrow(
      /users\.password_hash must be a bcrypt or argon2id hash; these users \(first 20 ids\) hold something else: 11111111-1111-1111-1111-111111111111 \(SQLSTATE P0001\)\. Give each a fresh .* then rerun the migrator; nothing of this migration was kept/,
    );
    expect(await accessControl(database.url)).toMatchObject({ rls_tables: 0, policies: 0 });

    // The documented cleanup, then the same migration goes through.
    await withClient(database.url, (client) =>
      client.query(`UPDATE users SET password_hash = '${BCRYPT}' WHERE id = '11111111-1111-1111-1111-111111111111'`),
    );
    const applied = await withClient(database.url, (client) => migrate({ client, folder: migrationsFolder }));
    expect(applied.applied).toContain("0005_enforce_least_privilege");
  });

  it("refuses a database holding a key hash that is not lowercase SHA-256 hex, naming the key", async () => {
    const database = await databaseBefore0005();
    await withClient(database.url, (client) =>
      client.query(`INSERT INTO groups (id, name) VALUES ('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'G');
        INSERT INTO api_keys (id, group_id, key_hash, key_prefix) VALUES
        ('55555555-5555-5555-5555-555555555555', 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa', 'devkey-engineering-001', 'devkey-e')`),
    );
    await expect(withClient(database.url, (client) => migrate({ client, folder: migrationsFolder }))).rejects.toThrow(
      /api_keys\.key_hash must be a SHA-256 .*: 55555555-5555-5555-5555-555555555555 \(SQLSTATE P0001\)\. Lowercase hex digests/,
    );
  });

  it("is undone by its down file: no policy, row-level security, grant or check is left, the schema is 0004's", async () => {
    const down = await readFile(`${migrationsFolder}/0005_enforce_least_privilege.down.sql`, "utf8");
    const before = await databaseBefore0005();
    const database = await createTestDatabase();
    await withClient(database.url, (client) =>
      migrate({ client, folder: migrationsFolder, to: "0005_enforce_least_privilege" }),
    );
    expect(await accessControl(database.url)).toMatchObject({ rls_tables: 6, policies: 13 });
    await withClient(database.url, async (client) => {
      for (const statement of down.split("--> statement-breakpoint")) await client.query(statement);
    });
    expect(await accessControl(database.url)).toEqual(await accessControl(before.url));
    const schemaOf = (url: string) => withClient(url, (client) => describeSchema(client));
    expect(await schemaOf(database.url)).toEqual(await schemaOf(before.url));
  });
});
