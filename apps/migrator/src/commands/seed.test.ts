import { createHash } from "node:crypto";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { migrate } from "@devtools-sync/migrate-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testConfig as config, developmentDatabase, lines, runCli } from "../../test-fixtures/harness";
import { createReporter } from "../output";
import { DEV_API_KEYS, DEV_PASSWORD, DEV_PASSWORD_BCRYPT } from "../seed-data";
import { parseTarget } from "../target";
import { developmentTarget, seed, seedCommand } from "./seed";

const quiet = createReporter(true, () => {});
const noEnv = { env: {} };
const DEV = { MIGRATOR_ENV: "development" };
const devEnv = { env: DEV };

afterEach(() => {
  vi.unstubAllEnvs();
});

/** A development database (`*_dev`) on the test server, migrated unless `migrated` is false. */
async function devDatabase(migrated = true): Promise<string> {
  const url = await developmentDatabase("seed");
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
    [undefined, DEV, true],
    ["postgres://u:p@127.0.0.1/app_dev", DEV, true],
    ["postgres://u:p@[::1]:5433/app_test", DEV, true],
    ["postgres://u:p@db:5432/devtools_sync_dev", DEV, true],
    ["postgres://u@/app_dev?host=/var/run/postgresql", DEV, true],
    ["postgres://u:p@localhost:5432/devtools", DEV, false],
    ["postgres://u:p@localhost:5432/devtools_sync_dev", { MIGRATOR_ENV: "production" }, false],
    [undefined, { MIGRATOR_ENV: "production" }, false],
  ])("%s with %o: %s", (url, env, development) => {
    expect(developmentTarget(url === undefined ? undefined : parseTarget(url), env).development).toBe(development);
  });

  // Each was development before: a loopback host or a socket with the production name, or a
  // development name on loopback with nothing declared. A tunnel on 127.0.0.1 or a socket proxy
  // (Cloud SQL's /cloudsql) reaches production, so the host proves nothing.
  it.each([
    ["a tunnel on 127.0.0.1 to production's database name", "postgres://u:p@127.0.0.1:5432/devtools_sync", {}],
    ["localhost with production's database name", "postgres://u:p@localhost/devtools_sync", {}],
    ["production's database name, even with MIGRATOR_ENV=development", "postgres://u:p@localhost/devtools_sync", DEV],
    ["production's name through a socket proxy", "postgres://u@/devtools_sync?host=/cloudsql/project:region:db", DEV],
    ["a development name on localhost, nothing declared", "postgres://u:p@localhost:5432/app_dev", {}],
    [
      "a development name behind host= on a remote server, nothing declared",
      "postgres://u@localhost/app_dev?host=db.example.com",
      {},
    ],
  ])("refuses %s", (_, url, env) => {
    expect(developmentTarget(parseTarget(url), env).development).toBe(false);
  });

  it("refuses the host PGHOST names when the URL names none (postgres:///devtools_sync)", () => {
    vi.stubEnv("PGHOST", "db.prod.example");
    const target = parseTarget("postgres:///devtools_sync");
    expect(target.host).toBe("db.prod.example");
    expect(developmentTarget(target, DEV)).toEqual({
      development: false,
      reason: "the database name devtools_sync does not end in _dev or _test",
    });
  });
});

describe("migrator seed and reset refuse, in one line and before connecting", () => {
  it.each([
    [
      "seed",
      "PGHOST=db.prod.example with a host-less URL",
      { DATABASE_URL: "postgres:///devtools_sync", PGHOST: "db.prod.example" },
    ],
    [
      "seed",
      "a loopback tunnel to production's name",
      { DATABASE_URL: "postgres://u:p@127.0.0.1:9/devtools_sync", ...DEV },
    ],
    [
      "reset",
      "PGHOST=db.prod.example with a host-less URL",
      { DATABASE_URL: "postgres:///devtools_sync", PGHOST: "db.prod.example", ...DEV },
    ],
    ["reset", "a loopback tunnel to production's name", { DATABASE_URL: "postgres://u:p@127.0.0.1:9/devtools_sync" }],
  ])("%s: %s", async (command, _, env) => {
    // Nothing listens on port 9 and db.prod.example does not resolve: a connection attempt would fail differently.
    const run = await runCli([command], env);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^Error: Refusing to ${command} .+: not a development database \\(.+\\); `)),
    ]);
    expect(run.stderr).not.toContain("p@");
  });
});

describe("migrator seed", () => {
  it("loads the development data once: a second run inserts nothing and changes nothing", async () => {
    const url = await devDatabase();
    expect(await seed(config(url), quiet, devEnv)).toEqual({
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
    const output: string[] = [];
    vi.stubEnv("MIGRATOR_ENV", "development");
    const code = await seedCommand.run(
      config(url, true),
      createReporter(true, (_, line) => output.push(line)),
      {},
    );
    expect(code).toBe(0);
    expect(Object.values(JSON.parse(output.at(-1) as string).inserted).every((n) => n === 0)).toBe(true);
    expect(await snapshot(url)).toEqual(first);
  });

  it("stores the seed's fixed ids, real SHA-256 key hashes, hex user hashes and machine ids", async () => {
    const url = await devDatabase();
    await seed(config(url), quiet, devEnv);
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
    const error = await seed(remote, quiet, devEnv).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "not-development", exitCode: 2 });
    expect((error as Error).message).toContain("--force");
    expect((error as Error).message).not.toContain("secret");
    expect((error as Error).message).not.toContain("\n");

    // A test database (t_<hex>) on localhost is not named like a development one; --force seeds it.
    const { url } = await createTestDatabase();
    await withClient(url, (client) => migrate({ client, folder: migrationsFolder }));
    await expect(seed(config(url), quiet, devEnv)).rejects.toMatchObject({ code: "not-development", exitCode: 2 });
    expect((await seed(config(url), quiet, { ...noEnv, force: true })).users).toBe(2);
  });

  it("refuses a database with pending migrations (exit 2, run up first)", async () => {
    const url = await devDatabase(false);
    const error = await seed(config(url), quiet, devEnv).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "pending-migrations", exitCode: 2 });
    expect((error as Error).message).toContain("migrator up");
  });
});
