import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { describe, expect, it } from "vitest";
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
});
