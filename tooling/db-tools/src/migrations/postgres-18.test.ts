import { readFile } from "node:fs/promises";
import { migrationsFolder, schemaSqlFile } from "@devtools-sync/db/migrations";
import { databaseUrl, startThrowawayPostgres, withClient } from "@devtools-sync/local-postgres";
import { migrate } from "@devtools-sync/migrate-core";
import { afterAll, describe, expect, it } from "vitest";

// PostgreSQL 18 keeps NOT NULL as named constraints. A database the migrations built there must
// carry the names schema.sql (or a dump restored there, or pg_upgrade) gives them, or every
// comparison between the two reports each one twice. Its own PostgreSQL 18, whatever the run's major.

const server = await startThrowawayPostgres({ major: 18 });
afterAll(() => server.stop());

/** Each NOT NULL constraint of public's tables, as `table.name`. */
const notNullNames = (url: string) =>
  withClient(url, async (client) => {
    const { rows } = await client.query(
      `SELECT t.relname || '.' || c.conname AS name FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
       WHERE c.contype = 'n' AND t.relnamespace = 'public'::regnamespace ORDER BY 1`,
    );
    return rows.map((row) => row.name as string);
  });

async function database(name: string): Promise<string> {
  await withClient(server.url, (client) => client.query(`CREATE DATABASE ${name}`));
  return databaseUrl(server.url, name);
}

describe("on PostgreSQL 18", () => {
  it("the migrations name every NOT NULL constraint as schema.sql loaded there does: <table>_<column>_not_null", async () => {
    const migrated = await database("migrated");
    await withClient(migrated, (client) => migrate({ client, folder: migrationsFolder }));
    const loaded = await database("loaded");
    await withClient(loaded, async (client) => client.query(await readFile(schemaSqlFile, "utf8")));

    const names = await notNullNames(migrated);
    expect(names.length).toBeGreaterThan(0);
    expect(names).toEqual(await notNullNames(loaded));
    expect(names.filter((name) => !/_not_null$/.test(name))).toEqual([]);
  }, 120_000);
});
