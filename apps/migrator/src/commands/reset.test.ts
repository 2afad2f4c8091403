import { readFile } from "node:fs/promises";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { migrate } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import { ledgers, lines, PATIENCE_MS, runCli, tableExists } from "../../test-fixtures/harness";

const journal = JSON.parse(await readFile(`${migrationsFolder}/meta/_journal.json`, "utf8")) as {
  entries: { tag: string }[];
};

/** A migrated database holding something of the developer's own: a table the migrations never made. */
async function usedDatabase(): Promise<string> {
  const { url } = await createTestDatabase("reset");
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
    ["a local database not named like a development one", {}],
    ["any database once MIGRATOR_ENV names another environment", { MIGRATOR_ENV: "production" }],
  ])("refuses %s in one line, exit 2, leaving it untouched", async (_, env) => {
    const url = await usedDatabase();
    const run = await runCli(["reset", "--database-url", url], env);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^Error: Refusing to reset .+: not a development database \(.+\); reset drops/);
    expect(await tableExists(url, "scratch")).toBe(true);
  });

  it("has no --force", async () => {
    const url = await usedDatabase();
    const run = await runCli(["reset", "--force", "--database-url", url]);
    expect(run.code).toBe(2);
    expect(await tableExists(url, "scratch")).toBe(true);
  });
});
