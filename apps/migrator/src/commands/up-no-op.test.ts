import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { readMigrations } from "@devtools-sync/migrate-core";
import pg from "pg";
import { expect, it, vi } from "vitest";
import { testConfig as config } from "../../test-fixtures/harness";
import { createReporter } from "../output";
import { up } from "./up";

// The usual deploy applies nothing or one migration: it must stay as cheap as the README says, in
// round trips.

const quiet = createReporter(true, () => {});

function countingQueries() {
  const queries = vi.spyOn(pg.Client.prototype, "query");
  const texts = () => queries.mock.calls.map(([query]) => (typeof query === "string" ? query : String(query)));
  /** Those sent to `database` (the lock plan's scratch database has ledgers of its own). */
  const textsOn = (database: string) =>
    texts().filter((_, i) => (queries.mock.contexts[i] as pg.Client | undefined)?.database === database);
  return { texts, textsOn, restore: () => queries.mockRestore() };
}

it("a run with nothing to apply costs four short queries (server version, two ledger reads, login roles)", async () => {
  const database = await createTestDatabase();
  expect((await up(config(database.url), quiet, { verify: "never" })).applied.length).toBeGreaterThan(0);
  const queries = countingQueries();
  try {
    expect((await up(config(database.url), quiet)).applied).toEqual([]);
    expect(queries.texts()).toHaveLength(4);
  } finally {
    queries.restore();
  }
}, 120_000);

it("a run that applies one migration reads drizzle's ledger once, not again for the lock gate", async () => {
  const migrations = await readMigrations(migrationsFolder);
  const database = await createTestDatabase();
  const beforeLast = (migrations.at(-2) as { name: string }).name;
  await up(config(database.url), quiet, { verify: "never", to: beforeLast });
  const queries = countingQueries();
  try {
    expect((await up(config(database.url), quiet, { verify: "never" })).applied).toEqual([migrations.at(-1)?.name]);
    const drizzleLedgerReads = queries
      .textsOn(database.name)
      .filter((text) => /FROM "drizzle"."__drizzle_migrations" ORDER BY/.test(text));
    expect(drizzleLedgerReads).toHaveLength(1);
  } finally {
    queries.restore();
  }
}, 120_000);
