import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { describeSchema, migrate, readMigrations, rollback } from "@devtools-sync/migrate-core";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { dataLost } from "../../scripts/down-migration";

// Every committed migration can be undone: its down migration takes the catalog back exactly to
// what the migrations before it made, and applying it again after that makes the same catalog.

const migrations = await readMigrations(migrationsFolder);
const [walked, withRows] = await Promise.all([createTestDatabase(), createTestDatabase()]);

const state = async (client: pg.ClientBase) => ({
  schema: await describeSchema(client),
  ours: (await client.query("SELECT name FROM migrator.applied_migrations ORDER BY created_at")).rows.map(
    (row) => row.name,
  ),
  drizzle: (await client.query("SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at")).rows.map(
    (row) => Number(row.created_at),
  ),
});

const upTo = (client: pg.ClientBase, to: string) => migrate({ client, folder: migrationsFolder, to });
const downSteps = (client: pg.ClientBase, steps: number) =>
  rollback({ client, folder: migrationsFolder, steps, allowDataLoss: true });

describe("the committed down migrations", () => {
  it("exist for every migration in the journal (else: pnpm db:generate-down <tag>, then review or write it)", () => {
    const missing = migrations.filter((migration) => migration.down === null).map((migration) => migration.name);
    const unwritten = migrations
      .filter((migration) => migration.down?.refusal?.kind === "unwritten")
      .map((migration) => migration.name);
    expect(missing, "no <tag>.down.sql: run pnpm db:generate-down <tag>, then review it").toEqual([]);
    expect(
      unwritten,
      'still the "-- todo-down:" template: write the SQL that undoes it, or mark it irreversible',
    ).toEqual([]);
  });

  it("say in their first line when they delete data (-- drops-data: …), so the migrator asks for --allow-data-loss", () => {
    // A statement the lint's waiver vouches for (its rows were moved elsewhere first) loses nothing.
    const moved = (statement: string) => /^\s*-- lint-ignore drops-data-without-marker:/m.test(statement);
    const unmarked = migrations.flatMap(({ name, down }) =>
      down &&
      !down.dropsData &&
      down.statements.some((statement) => !moved(statement) && dataLost(statement).length > 0)
        ? [name]
        : [],
    );
    expect(unmarked).toEqual([]);
    expect(migrations[0]?.down?.dropsData).toBe("every table of the schema and all their rows");
  });

  it("walk the whole history: for each migration, up, down and up again leaves the catalog of the first up", async () => {
    await withClient(walked.url, async (client) => {
      await migrate({ client, folder: migrationsFolder, to: migrations[0]?.name as string });
      await downSteps(client, 1);
      const before = [await state(client)];
      for (const migration of migrations) {
        await upTo(client, migration.name);
        const afterUp = await state(client);
        expect(afterUp.ours.at(-1)).toBe(migration.name);
        expect(afterUp.drizzle).toEqual(migrations.slice(0, migration.index + 1).map((m) => m.createdAt));

        expect(await downSteps(client, 1)).toEqual({ rolledBack: [migration.name] });
        expect(await state(client), `after rolling back ${migration.name}`).toEqual(before.at(-1));

        await upTo(client, migration.name);
        expect(await state(client), `after applying ${migration.name} again`).toEqual(afterUp);
        before.push(afterUp);
      }

      expect((await downSteps(client, migrations.length)).rolledBack).toEqual(
        migrations.map((migration) => migration.name).reverse(),
      );
      expect(await state(client), "after rolling back everything").toEqual(before[0]);
      await migrate({ client, folder: migrationsFolder });
      expect(await state(client), "after applying everything again").toEqual(before.at(-1));
    });
  }, 120_000);

  it("keep every row of the seed's data through rolling back to the first migration and applying the rest again", async () => {
    const seedData = await readFile(
      createRequire(import.meta.url).resolve("@devtools-sync/db/test/fixtures/seed-data.sql"),
      "utf8",
    );
    await withClient(withRows.url, async (client) => {
      const first = migrations[0]?.name as string;
      await upTo(client, first);
      await client.query(seedData);
      await migrate({ client, folder: migrationsFolder });
      const rows = await rowCounts(client);
      expect(Object.values(rows).some((count) => count > 0)).toBe(true);

      await rollback({ client, folder: migrationsFolder, to: first });
      // The compliance state (0017) is derived from the other tables' rows and rebuilt on the way up.
      const derived = (table: string) => table.startsWith("compliance_");
      expect(await rowCounts(client)).toEqual(Object.fromEntries(Object.entries(rows).filter(([t]) => !derived(t))));
      await migrate({ client, folder: migrationsFolder });
      expect(await rowCounts(client)).toEqual(rows);
    });
  }, 60_000);
});

/** The number of rows of every table that holds any (a table a later migration adds holds none here). */
async function rowCounts(client: pg.ClientBase): Promise<Record<string, number>> {
  const { rows } = await client.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of rows) {
    const { n } = (await client.query(`SELECT count(*)::int AS n FROM "${table_name}"`)).rows[0];
    if (n > 0) counts[table_name] = n;
  }
  return counts;
}
