import { randomBytes } from "node:crypto";
import { createTestDatabase, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { MIGRATION_LOCK_KEY } from "@devtools-sync/migrate-core";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, lines, runCli, startCli, tableExists, tempDir, writeMigrations } from "../test-fixtures/harness";

// One migrator at a time: the second waits for the first. But any role may take an advisory lock,
// so a service's credential could hold the migration lock and leave every deploy waiting forever.

const database = await createTestDatabase();
const folder = await writeMigrations(await tempDir(), [{ tag: "0000_notes", sql: "CREATE TABLE notes (id int);" }]);
const up = ["up", "--database-url", database.url, "--migrations-dir", folder, "--verify", "never"];
const service = `service_${randomBytes(4).toString("hex")}`;
const password = randomBytes(12).toString("hex");
await withClient(testServerUrl(), (client) => client.query(`CREATE ROLE "${service}" LOGIN PASSWORD '${password}'`));
afterAll(() => withClient(testServerUrl(), (client) => client.query(`DROP ROLE IF EXISTS "${service}"`)));

/** Runs `fn` while a session connected as `url`'s role holds the migration lock; gives its pid. */
async function holdingTheLock<T>(url: string, fn: (pid: number) => Promise<T>): Promise<T> {
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  try {
    const { rows } = await holder.query("SELECT pg_advisory_lock($1), pg_backend_pid() AS pid", [
      MIGRATION_LOCK_KEY.toString(),
    ]);
    return await fn(rows[0].pid);
  } finally {
    await holder.end();
  }
}

describe("the migration lock", () => {
  it("stops at once, naming the session, when a role that cannot migrate holds it: nothing is applied", async () => {
    const asService = new URL(database.url);
    asService.username = service;
    asService.password = password;
    await holdingTheLock(asService.toString(), async (pid) => {
      const run = await runCli(up);
      expect(run.code).toBe(1);
      expect(lines(run.stderr).at(-1)).toBe(
        `Error: The migration lock is held by pid ${pid} as ${service}, a role that cannot migrate this database (no superuser, no member of its owner), so it is no migrator and waiting would never end: find out why that credential took it, and end the session (SELECT pg_terminate_backend(${pid}) as a superuser or a member of ${service}). Nothing was applied.`,
      );
    });
    expect(await tableExists(database.url, "notes")).toBe(false);
  }, 60_000);

  it("waits for another migrator, naming its session, and applies once it lets go", async () => {
    const migrator = await holdingTheLock(database.url, async (pid) => {
      const waiting = startCli(up);
      await eventually("the migrator reports whom it waits for", async () =>
        waiting
          .output()
          .stderr.includes(
            `Another migrator (pid ${pid}, ${new URL(database.url).username}) holds the migration lock; waiting for it to finish…`,
          ),
      );
      return waiting;
    });
    expect((await migrator.exited).code).toBe(0);
    expect(await tableExists(database.url, "notes")).toBe(true);
  }, 60_000);
});
