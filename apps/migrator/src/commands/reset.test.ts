import { chmod, readFile } from "node:fs/promises";
import { join } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { migrate } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import {
  developmentDatabase,
  freePort,
  ledgers,
  lines,
  PATIENCE_MS,
  runCli,
  tableExists,
  tempDir,
  testConfig,
} from "../../test-fixtures/harness";
import { createReporter } from "../output";
import { reset } from "./reset";
import { seed } from "./seed";

const journal = JSON.parse(await readFile(`${migrationsFolder}/meta/_journal.json`, "utf8")) as {
  entries: { tag: string }[];
};

/**
 * A migrated development database (`*_dev`, or `reset_<hex>` when `named` is false) holding
 * something of the developer's own: a table the migrations never made.
 */
async function usedDatabase(named = true): Promise<string> {
  const url = named ? await developmentDatabase("reset") : (await createTestDatabase("reset")).url;
  await withClient(url, async (client) => {
    await migrate({ client, folder: migrationsFolder });
    await client.query("CREATE TABLE scratch (note text)");
  });
  return url;
}

// A bound on a shared, busy machine (a reset runs every migration), not a claim about speed.
describe("migrator reset (pnpm db:reset)", { timeout: PATIENCE_MS }, () => {
  it("drops a development database and builds it again: every migration applied, the development data loaded", async () => {
    const url = await usedDatabase();
    const run = await runCli(["reset", "--database-url", url], { MIGRATOR_ENV: "development" });
    expect(run.code, run.stderr).toBe(0);
    expect(await tableExists(url, "scratch")).toBe(false);
    expect((await ledgers(url)).names).toEqual(journal.entries.map((entry) => entry.tag));
    const users = await withClient(url, (client) => client.query("SELECT email FROM users ORDER BY email"));
    expect(users.rows.map((row) => row.email)).toEqual(["admin@example.com", "viewer@example.com"]);
    expect(lines(run.stderr).at(-1)).toMatch(/^Reset .+: applied \d+ migration\(s\), seeded \d+ row\(s\)\.$/);
  });

  it.each([
    ["a local database not named like a development one", false, { MIGRATOR_ENV: "development" }],
    ["a development database without MIGRATOR_ENV=development", true, {}],
    ["any database once MIGRATOR_ENV names another environment", true, { MIGRATOR_ENV: "production" }],
  ])("refuses %s in one line, exit 2, leaving it untouched", async (_, named, env) => {
    const url = await usedDatabase(named);
    const run = await runCli(["reset", "--database-url", url], env);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^Error: Refusing to reset .+: not a development database \(.+\); reset drops/);
    expect(await tableExists(url, "scratch")).toBe(true);
  });

  it("resets and seeds the embedded PostgreSQL (no DATABASE_URL, as pnpm db:reset and db:seed run), with nothing declared", async () => {
    const folder = await tempDir();
    await chmod(folder, 0o755); // as root, the server runs as the OS user "postgres", who must traverse it
    const config = { ...testConfig(undefined), dataDir: join(folder, "postgres"), localPort: await freePort() };
    const quiet = createReporter(true, () => {});
    const result = await reset(config, quiet, {});
    expect(result.applied).toEqual(journal.entries.map((entry) => entry.tag));
    expect(result.inserted.users).toBe(2);
    expect(Object.values(await seed(config, quiet, { env: {} })).every((n) => n === 0)).toBe(true);
  });

  it("has no --force", async () => {
    const url = await usedDatabase();
    const run = await runCli(["reset", "--force", "--database-url", url]);
    expect(run.code).toBe(2);
    expect(await tableExists(url, "scratch")).toBe(true);
  });
});
