import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { MigrationEvent } from "./events";
import { retryDelayMs } from "./execute";
import { migrate } from "./migrate";
import { writeMigrationsFolder } from "./testing";

const database = await createTestDatabase();

describe("waiting for locks", () => {
  it("runs every migration under a 500 ms lock_timeout unless told otherwise, so queries queued behind it wait at most that", async () => {
    const folder = await mkdtemp(join(tmpdir(), "migrate-core-execute-"));
    try {
      await writeMigrationsFolder(folder, [
        { tag: "0000_seen", sql: "CREATE TABLE seen AS SELECT current_setting('lock_timeout') AS lock_timeout;" },
      ]);
      const seen = await withClient(database.url, async (client) => {
        await migrate({ client, folder });
        return (await client.query("SELECT lock_timeout FROM seen")).rows;
      });
      expect(seen).toEqual([{ lock_timeout: "500ms" }]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("pauses between retries for a jittered time: 250 ms doubling to 8 s, between half and all of it", () => {
    expect([1, 2, 3, 6, 7, 20].map((attempt) => retryDelayMs(attempt, () => 1))).toEqual([
      250, 500, 1000, 8000, 8000, 8000,
    ]);
    expect([1, 2, 6].map((attempt) => retryDelayMs(attempt, () => 0))).toEqual([125, 250, 4000]);
    expect(retryDelayMs(3, () => 0.5)).toBe(750);
  });

  it("runs again a migration PostgreSQL cancelled to break a deadlock with the application (under a lock_timeout longer than deadlock_timeout)", async () => {
    const folder = await mkdtemp(join(tmpdir(), "migrate-core-execute-"));
    const database = await createTestDatabase();
    const app = new pg.Client(database.url);
    await app.connect();
    try {
      const tables = { tag: "0000_tables", sql: "CREATE TABLE parents (id int); CREATE TABLE children (id int);" };
      await writeMigrationsFolder(folder, [tables]);
      await withClient(database.url, (client) => migrate({ client, folder }));
      // The migration takes parents, then children; the application holds children, then asks for parents.
      await writeMigrationsFolder(folder, [
        tables,
        {
          tag: "0001_notes",
          sql: "ALTER TABLE parents ADD COLUMN note text;\n--> statement-breakpoint\nALTER TABLE children ADD COLUMN note text;",
        },
      ]);
      // The migrator's deadlock_timeout (1 s) runs out first, so PostgreSQL cancels the migration.
      await app.query("SET deadlock_timeout = '1min'");
      await app.query("BEGIN");
      await app.query("LOCK TABLE children IN ROW EXCLUSIVE MODE");
      const events: MigrationEvent[] = [];
      const migrating = withClient(database.url, (client) =>
        migrate({ client, folder, lockTimeoutMs: 5000, onEvent: (event) => events.push(event) }),
      );
      for (;;) {
        const { rows } = await app.query(
          "SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'children'::regclass AND NOT granted",
        );
        if (rows[0].n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const appGotParents = app.query("LOCK TABLE parents IN ROW EXCLUSIVE MODE");
      await appGotParents;
      await app.query("COMMIT");
      expect((await migrating).applied).toEqual(["0001_notes"]);
      expect(events.filter((event) => event.type === "lock-timeout-retry")).toMatchObject([
        { name: "0001_notes", attempt: 1, deadlock: true },
      ]);
    } finally {
      await app.end();
      await rm(folder, { recursive: true, force: true });
    }
  }, 60_000);
});
