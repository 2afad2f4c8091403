import { getTableColumns, type Table } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openTestDatabase } from "./testing/database";
import { insertParents, rowArbitrary, type TableCase, tableCases } from "./testing/tables";

// The core promise: whatever an insert schema accepts, PostgreSQL stores (no constraint error, no
// silent change), and whatever PostgreSQL stores, the select schema accepts.

const database = await openTestDatabase();
const parents = await insertParents(database.db);

/** Expects PostgreSQL to have kept `sent`, up to the spellings it normalises. */
function expectKept(table: Table, key: string, stored: unknown, sent: unknown): void {
  const message = `column ${key}`;
  if (sent === null) {
    expect(stored, message).toBeNull();
    return;
  }
  switch (getTableColumns(table)[key]?.columnType) {
    case "PgInet": // inet rewrites spellings (`::ffff:0102:0304` is `::ffff:1.2.3.4`); the select schema reads it
      return;
    case "PgUUID":
      expect(stored, message).toBe(String(sent).toLowerCase());
      return;
    case "PgJsonb": // jsonb orders keys its own way, and JSON has no -0
      expect(stored, message).toEqual(JSON.parse(JSON.stringify(sent)));
      return;
    default:
      expect(stored, message).toEqual(sent);
  }
}

async function expectStored(tableCase: TableCase, row: Record<string, unknown>): Promise<void> {
  const attempt = await database.tryInsert(tableCase.table, row);
  expect(attempt.refusal, `PostgreSQL refused ${JSON.stringify(row)}`).toBeUndefined();
  const stored = attempt.stored ?? {};
  const read = tableCase.select.safeParse(stored);
  expect(read.success, read.error && z.prettifyError(read.error)).toBe(true);
  for (const [key, sent] of Object.entries(row)) {
    if (sent !== undefined) expectKept(tableCase.table, key, stored[key], sent);
  }
}

describe.each(tableCases)("$name", (tableCase) => {
  it("takes the sample row, and PostgreSQL stores it", async () => {
    await expectStored(tableCase, tableCase.insert.parse(tableCase.sample(parents)));
  });

  it("accepts every valid row, and only rows PostgreSQL stores unchanged; reads every stored row back", async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(rowArbitrary(tableCase, parents), async ({ row, edge }) => {
        const parsed = tableCase.insert.safeParse(row);
        // A row with no edge value is valid by the domain's rules: refusing it would block a real user.
        if (edge === undefined) expect(parsed.success, parsed.error && z.prettifyError(parsed.error)).toBe(true);
        // A row with an edge value may be refused: the domain's rules are narrower than the database's.
        if (!parsed.success) return;
        accepted++;
        await expectStored(tableCase, parsed.data);
      }),
      { numRuns: 100 },
    );
    expect(accepted).toBeGreaterThanOrEqual(25); // about half the rows have no edge value, so about 50
  });
});
