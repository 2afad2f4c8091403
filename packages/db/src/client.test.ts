import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "./client";

const database = await createTestDatabase();

describe("createDb's pool when the server ends an idle connection (restart, failover, pg_terminate_backend)", () => {
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);
  beforeEach(() => {
    uncaught.length = 0;
    process.on("uncaughtException", record);
  });
  afterEach(() => {
    process.off("uncaughtException", record);
  });

  it("drops that connection without crashing the process, and the next query connects again", async () => {
    const db = createDb(database.url, { max: 1 });
    try {
      const { rows } = await db.execute<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`);
      const removed = new Promise((resolve) => db.$client.once("remove", resolve));
      const admin = createDb(database.url, { max: 1 });
      try {
        await admin.execute(sql`SELECT pg_terminate_backend(${rows[0]?.pid}::int)`);
      } finally {
        await admin.$client.end();
      }
      await removed;
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncaught.map(String)).toEqual([]);
      const again = await db.execute<{ one: number }>(sql`SELECT 1 AS one`);
      expect(again.rows).toEqual([{ one: 1 }]);
    } finally {
      await db.$client.end();
    }
  });
});
