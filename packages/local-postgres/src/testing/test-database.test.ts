import { describe, expect, it } from "vitest";
import { createTestDatabase, withClient } from "./index";

describe("createTestDatabase", () => {
  it("gives each caller a new, empty database on a real PostgreSQL", async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    expect(first.name).not.toBe(second.name);
    const tables = await withClient(first.url, (client) =>
      client.query("select count(*)::int as n from pg_tables where schemaname = 'public'"),
    );
    expect(tables.rows[0].n).toBe(0);
    const version = await withClient(second.url, (client) => client.query("show server_version_num"));
    expect(Number(version.rows[0].server_version_num)).toBeGreaterThanOrEqual(150000);
  });
});
