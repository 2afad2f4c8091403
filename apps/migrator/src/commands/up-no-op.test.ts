import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import pg from "pg";
import { expect, it, vi } from "vitest";
import { testConfig as config } from "../../test-fixtures/harness";
import { createReporter } from "../output";
import { up } from "./up";

// The usual deploy applies nothing: it must stay as cheap as the README says, in round trips.

const quiet = createReporter(true, () => {});

it("a run with nothing to apply costs four short queries (server version, two ledger reads, login roles)", async () => {
  const database = await createTestDatabase();
  expect((await up(config(database.url), quiet, { verify: "never" })).applied.length).toBeGreaterThan(0);
  const queries = vi.spyOn(pg.Client.prototype, "query");
  try {
    expect((await up(config(database.url), quiet)).applied).toEqual([]);
    expect(queries).toHaveBeenCalledTimes(4);
  } finally {
    queries.mockRestore();
  }
}, 120_000);
