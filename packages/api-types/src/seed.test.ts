import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { expect, it } from "vitest";
import { z } from "zod";
import { isServerOwned } from "./derive";
import { openTestDatabase } from "./testing/database";
import { tableCases } from "./testing/tables";

// Rows written before these validators existed, by the seed's SQL that teams already ran, are
// still read: select schemas check what the database guarantees, nothing more. Insert schemas
// add the domain's rules, which the seed's made-up user hashes do not meet.

const { db } = await openTestDatabase();
await db.execute(
  sql.raw(
    await readFile(createRequire(import.meta.url).resolve("@devtools-sync/db/test/fixtures/seed-data.sql"), "utf8"),
  ),
);

const storedRows: { tableCase: (typeof tableCases)[number]; rows: Record<string, unknown>[] }[] = [];
for (const tableCase of tableCases) {
  storedRows.push({ tableCase, rows: await db.select().from(tableCase.table as PgTable) });
}

it("the select schemas read every row the seed wrote", () => {
  expect(storedRows.filter(({ rows }) => rows.length > 0).map(({ tableCase }) => tableCase.name)).toHaveLength(8);
  for (const { tableCase, rows } of storedRows) {
    for (const row of rows) {
      const result = tableCase.select.safeParse(row);
      expect(result.success, `${tableCase.name}: ${result.error && z.prettifyError(result.error)}`).toBe(true);
    }
  }
});

it("the insert schemas would refuse only the seed's user hashes, which are no SHA-256", () => {
  const refused = new Set<string>();
  for (const { tableCase, rows } of storedRows) {
    for (const row of rows) {
      const insertable = Object.fromEntries(Object.entries(row).filter(([key]) => !isServerOwned(key)));
      const result = tableCase.insert.safeParse(insertable);
      for (const issue of result.error?.issues ?? []) {
        refused.add(`${tableCase.name}.${issue.path.join(".")}: ${row[String(issue.path[0])]}`);
      }
    }
  }
  expect([...refused].sort()).toEqual([
    "agents.userHash: user1hash",
    "agents.userHash: user2hash",
    "reports.userHash: user1hash",
    "reports.userHash: user2hash",
  ]);
});
