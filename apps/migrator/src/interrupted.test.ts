import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { describe, expect, it } from "vitest";
import { eventually, ledgers, runCli, startCli, tableExists, tempDir, writeMigrations } from "../test-fixtures/harness";

// A deploy killed mid-migration (OOM killer, node drained, Ctrl-C twice): the next run must finish
// the job with no manual step. The fixtures sleep as long as the test's control table says, so the
// first run is slow enough to kill in the middle and the re-run is quick.

const [transactional, concurrently] = await Promise.all([createTestDatabase(), createTestDatabase()]);

const control = (url: string, seconds: number) =>
  withClient(url, (client) =>
    client.query(
      `CREATE TABLE IF NOT EXISTS test_control (sleep_seconds float NOT NULL);
       DELETE FROM test_control; INSERT INTO test_control VALUES (${seconds});`,
    ),
  );

// The fixtures' control table is not made by their migrations (and a scratch database has none
// for them to read), so these runs skip the comparison after `up`; up.test.ts covers it.
const noComparison = ["--json", "--verify", "never"];

/** Waits until a statement matching `pattern` runs on `url`, kills the migrator, and waits for its session to end. */
async function killDuring(url: string, args: string[], pattern: string, phase?: string) {
  const migrator = startCli(args);
  await eventually(`the migrator runs ${pattern}`, async () => {
    if (migrator.child.exitCode !== null)
      throw new Error(`the migrator exited early: ${migrator.output().stdout}${migrator.output().stderr}`);
    const { rowCount } = await withClient(url, (client) =>
      client.query(
        `SELECT 1 FROM pg_stat_activity a LEFT JOIN pg_stat_progress_create_index p ON p.pid = a.pid
          WHERE a.datname = current_database() AND a.state = 'active' AND a.query ILIKE $1
            AND ($2::text IS NULL OR p.phase LIKE $2 || '%')`,
        [`%${pattern}%`, phase ?? null],
      ),
    );
    return rowCount === 1;
  });
  migrator.child.kill("SIGKILL");
  expect((await migrator.exited).signal).toBe("SIGKILL");
  // The server notices the dead client and rolls its work back instead of finishing it unattended.
  await eventually("the killed migrator's session ends", async () => {
    const { rowCount } = await withClient(url, (client) =>
      client.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'devtools-sync-migrator'",
      ),
    );
    return rowCount === 0;
  });
}

describe("a migrator killed with SIGKILL in the middle of a migration", () => {
  it("leaves nothing of a transactional migration, and the re-run applies it", async () => {
    const folder = await writeMigrations(await tempDir(), [
      { tag: "0000_accounts", sql: "CREATE TABLE accounts (id int PRIMARY KEY);" },
      {
        tag: "0001_audit",
        sql: `CREATE TABLE audit (id int PRIMARY KEY, account_id int REFERENCES accounts (id));
--> statement-breakpoint
SELECT pg_sleep((SELECT sleep_seconds FROM test_control));
--> statement-breakpoint
ALTER TABLE accounts ADD COLUMN note text;`,
      },
    ]);
    const args = ["up", ...noComparison, "--database-url", transactional.url, "--migrations-dir", folder];
    await control(transactional.url, 60);

    await killDuring(transactional.url, args, "pg_sleep");
    expect(await ledgers(transactional.url)).toEqual({ names: ["0000_accounts"], finished: [true], drizzleRows: 1 });
    expect(await tableExists(transactional.url, "audit")).toBe(false);

    await control(transactional.url, 0);
    const rerun = await runCli(args);
    expect(rerun.code).toBe(0);
    expect(await ledgers(transactional.url)).toEqual({
      names: ["0000_accounts", "0001_audit"],
      finished: [true, true],
      drizzleRows: 2,
    });
    expect(await tableExists(transactional.url, "audit")).toBe(true);
  }, 60_000);

  it("during CREATE INDEX CONCURRENTLY leaves an INVALID index that the re-run replaces with one valid index", async () => {
    const url = concurrently.url;
    const folder = await tempDir();
    const args = ["up", ...noComparison, "--database-url", url, "--migrations-dir", folder];
    await control(url, 0);
    await writeMigrations(folder, [items]);
    expect((await runCli(args)).code).toBe(0);
    await writeMigrations(folder, [items, indexItems]);
    await control(url, 1);

    await killDuring(url, args, "CREATE INDEX CONCURRENTLY", "building index");
    expect(await itemIndexes(url)).toEqual([{ name: "items_slow_idx", valid: false }]);
    expect(await ledgers(url)).toMatchObject({ names: ["0000_items"], drizzleRows: 1 });

    await control(url, 0);
    const rerun = await runCli(args);
    expect(rerun.code).toBe(0);
    expect(await itemIndexes(url)).toEqual([{ name: "items_slow_idx", valid: true }]);
    expect(await ledgers(url)).toEqual({
      names: ["0000_items", "0001_index_items"],
      finished: [true, true],
      drizzleRows: 2,
    });
  }, 60_000);
});

const items = {
  tag: "0000_items",
  sql: `CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL);
--> statement-breakpoint
CREATE FUNCTION slow_identity(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  PERFORM pg_sleep((SELECT sleep_seconds FROM public.test_control));
  RETURN i;
END $$;
--> statement-breakpoint
INSERT INTO items SELECT g, g FROM generate_series(1, 20) g;`,
};

/** Every row costs the index build `sleep_seconds`. */
const indexItems = {
  tag: "0001_index_items",
  sql: `CREATE INDEX CONCURRENTLY items_slow_idx ON items ((slow_identity(n)));
--> statement-breakpoint
SELECT pg_sleep((SELECT sleep_seconds FROM test_control));`,
};

/** The indexes on items besides its primary key. */
function itemIndexes(url: string) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(
      `SELECT c.relname AS name, x.indisvalid AS valid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
        WHERE x.indrelid = 'items'::regclass AND NOT x.indisprimary ORDER BY 1`,
    );
    return rows;
  });
}
