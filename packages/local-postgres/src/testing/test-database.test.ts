import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestDatabase, createTestDatabaseFrom, withClient } from "./index";

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

describe("createTestDatabaseFrom", () => {
  const key = `k${randomBytes(4).toString("hex")}`;
  let builds = 0;
  const build = (url: string) =>
    withClient(url, async (client) => {
      builds++;
      await client.query("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('built once')");
      await client.query(`REVOKE TEMPORARY ON DATABASE "${new URL(url).pathname.slice(1)}" FROM PUBLIC`);
    });
  const privileges = (url: string) =>
    withClient(url, async (client) => {
      const { rows } = await client.query(
        "SELECT has_database_privilege('public', current_database(), 'TEMPORARY') AS temporary, has_database_privilege('public', current_database(), 'CONNECT') AS connect",
      );
      return rows[0];
    });

  it("builds once per run and key, and gives each caller its own copy of the result, with the template's database privileges", async () => {
    const first = await createTestDatabaseFrom(key, build);
    const second = await createTestDatabaseFrom(key, build);
    expect(builds).toBe(1);
    expect(first.name).not.toBe(second.name);
    await withClient(first.url, (client) => client.query("INSERT INTO notes VALUES ('first only')"));
    const notes = await withClient(second.url, (client) => client.query("SELECT body FROM notes"));
    expect(notes.rows).toEqual([{ body: "built once" }]);
    // CREATE DATABASE gives a copy the default privileges (TEMPORARY for every role); not here.
    expect(await privileges(second.url)).toEqual({ temporary: false, connect: true });
  });

  it("refuses a build that leaves per-database settings, which a copy would not carry", async () => {
    await expect(
      createTestDatabaseFrom(`${key}_settings`, (url) =>
        withClient(url, async (client) => {
          await client.query(`ALTER DATABASE "${new URL(url).pathname.slice(1)}" SET statement_timeout = '1min'`);
        }),
      ),
    ).rejects.toThrow(/per-database settings or a comment, which CREATE DATABASE … TEMPLATE does not copy/);
  });
});
