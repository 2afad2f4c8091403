import { createHash, randomBytes } from "node:crypto";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, databaseUrl, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { migrate } from "@devtools-sync/migrate-core";
import { afterAll, describe, expect, it } from "vitest";
import { testConfig as config } from "../../test-fixtures/harness";
import { createReporter } from "../output";
import { DEV_API_KEYS, DEV_PASSWORD, DEV_PASSWORD_BCRYPT } from "../seed-data";
import { parseTarget } from "../target";
import { developmentTarget, seed, seedCommand } from "./seed";

const quiet = createReporter(true, () => {});
const noEnv = { env: {} };

/** A database on the test server named like a development one (`*_dev`), dropped after the file. */
async function devDatabase(migrated = true): Promise<string> {
  const name = `seed_${randomBytes(5).toString("hex")}_dev`;
  await withClient(testServerUrl(), (client) => client.query(`CREATE DATABASE "${name}"`));
  afterAll(() =>
    withClient(testServerUrl(), (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  );
  const url = databaseUrl(testServerUrl(), name);
  if (migrated) await withClient(url, (client) => migrate({ client, folder: migrationsFolder }));
  return url;
}

const TABLES = ["users", "groups", "extensions", "group_extensions", "agents", "api_keys", "reports", "blocklist"];
const snapshot = (url: string) =>
  withClient(url, async (client) => {
    const tables: Record<string, unknown[]> = {};
    for (const table of TABLES) tables[table] = (await client.query(`SELECT * FROM ${table} ORDER BY id`)).rows;
    return tables;
  });

describe("which databases count as development", () => {
  it.each([
    [undefined, {}, true],
    ["postgres://u:p@localhost:5432/devtools_sync", {}, true],
    ["postgres://u:p@127.0.0.1/app_dev", {}, true],
    ["postgres://u:p@[::1]:5433/app_test", {}, true],
    ["postgres://u@localhost/devtools_sync?host=/var/run/postgresql", {}, true],
    ["postgres://u@localhost/devtools_sync?host=db.example.com", {}, false],
    ["postgres://u:p@db:5432/devtools_sync", { MIGRATOR_ENV: "development" }, true],
    ["postgres://u:p@db:5432/devtools_sync", {}, false],
    ["postgres://u:p@localhost:5432/devtools", {}, false],
    ["postgres://u:p@prod.example.com:5432/app_dev", {}, false],
    ["postgres://u:p@localhost:5432/devtools_sync", { MIGRATOR_ENV: "production" }, false],
    [undefined, { MIGRATOR_ENV: "production" }, false],
  ])("%s with %o: %s", (url, env, development) => {
    expect(developmentTarget(url === undefined ? undefined : parseTarget(url), env).development).toBe(development);
  });
});

describe("migrator seed", () => {
  it("loads the development data once: a second run inserts nothing and changes nothing", async () => {
    const url = await devDatabase();
    expect(await seed(config(url), quiet, noEnv)).toEqual({
      users: 2,
      groups: 2,
      extensions: 5,
      group_extensions: 7,
      agents: 2,
      api_keys: 2,
      reports: 5,
      blocklist: 1,
    });
    const first = await snapshot(url);
    const lines: string[] = [];
    const code = await seedCommand.run(
      config(url, true),
      createReporter(true, (_, line) => lines.push(line)),
      {},
    );
    expect(code).toBe(0);
    expect(Object.values(JSON.parse(lines.at(-1) as string).inserted).every((n) => n === 0)).toBe(true);
    expect(await snapshot(url)).toEqual(first);
  });

  it("stores the seed's fixed ids, real SHA-256 key hashes, hex user hashes and machine ids", async () => {
    const url = await devDatabase();
    await seed(config(url), quiet, noEnv);
    await withClient(url, async (client) => {
      const keys = await client.query(
        `SELECT id, key_prefix, key_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex') AS engineering,
                key_hash = encode(sha256(convert_to($2, 'UTF8')), 'hex') AS design
           FROM api_keys ORDER BY id`,
        [DEV_API_KEYS.engineering, DEV_API_KEYS.design],
      );
      expect(keys.rows).toEqual([
        { id: "55555555-5555-5555-5555-555555555555", key_prefix: "devkey-e", engineering: true, design: false },
        { id: "66666666-6666-6666-6666-666666666666", key_prefix: "devkey-d", engineering: false, design: true },
      ]);
      const users = await client.query("SELECT id, email, role, password_hash FROM users ORDER BY id");
      expect(users.rows.map((row) => [row.id, row.email, row.role])).toEqual([
        ["11111111-1111-1111-1111-111111111111", "admin@example.com", "admin"],
        ["22222222-2222-2222-2222-222222222222", "viewer@example.com", "viewer"],
      ]);
      for (const row of users.rows) expect(row.password_hash).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
      const hex = await client.query(
        `SELECT bool_and(machine_id ~ '^[0-9a-f]{64}$' AND user_hash ~ '^[0-9a-f]{64}$') AS agents,
                (SELECT bool_and(user_hash ~ '^[0-9a-f]{64}$') FROM reports) AS reports,
                (SELECT count(*)::int FROM reports r JOIN agents a ON a.id = r.agent_id AND a.user_hash = r.user_hash) AS matched
           FROM agents`,
      );
      expect(hex.rows[0]).toEqual({ agents: true, reports: true, matched: 5 });
      const engineer = createHash("sha256").update("engineer@example.com").digest("hex");
      const agent = await client.query(
        "SELECT user_hash FROM agents WHERE id = '33333333-3333-3333-3333-333333333333'",
      );
      expect(agent.rows[0].user_hash).toBe(engineer);
    });
  });

  it("uses a genuine bcrypt hash of devpassword123 (checked with pgcrypto where the server has it)", async () => {
    const { url } = await createTestDatabase();
    await withClient(url, async (client) => {
      const available = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto'");
      if (available.rowCount === 0) return;
      await client.query("CREATE EXTENSION pgcrypto");
      const check = await client.query("SELECT crypt($1, $3) = $3 AS right, crypt($2, $3) = $3 AS wrong", [
        DEV_PASSWORD,
        "devpassword124",
        DEV_PASSWORD_BCRYPT,
      ]);
      expect(check.rows[0]).toEqual({ right: true, wrong: false });
    });
  });

  it("refuses a database that is not a development one, without connecting, unless --force", async () => {
    const remote = config("postgres://app:secret@db.internal.example:5432/devtools_sync");
    const error = await seed(remote, quiet, noEnv).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "not-development", exitCode: 2 });
    expect((error as Error).message).toContain("--force");
    expect((error as Error).message).not.toContain("secret");
    expect((error as Error).message).not.toContain("\n");

    // A test database (t_<hex>) on localhost is not named like a development one; --force seeds it.
    const { url } = await createTestDatabase();
    await withClient(url, (client) => migrate({ client, folder: migrationsFolder }));
    await expect(seed(config(url), quiet, noEnv)).rejects.toMatchObject({ code: "not-development", exitCode: 2 });
    expect((await seed(config(url), quiet, { ...noEnv, force: true })).users).toBe(2);
  });

  it("refuses a database with pending migrations (exit 2, run up first)", async () => {
    const url = await devDatabase(false);
    const error = await seed(config(url), quiet, noEnv).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "pending-migrations", exitCode: 2 });
    expect((error as Error).message).toContain("migrator up");
  });
});
