import { searchPathOption } from "@devtools-sync/db/client";
import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { type DrizzleSnapshotJSON, generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { changeType } from "../../test/fixtures/expand-contract/change-type";
import { dropColumn } from "../../test/fixtures/expand-contract/drop-column";
import type { Fixture } from "../../test/fixtures/expand-contract/fixture";
import { renameColumn } from "../../test/fixtures/expand-contract/rename-column";
import { renameTable } from "../../test/fixtures/expand-contract/rename-table";
import { setNotNull } from "../../test/fixtures/expand-contract/set-not-null";
import { planExpandContract, type Snapshot } from "./plan";

// The proof of each generated pair, on a real PostgreSQL: the previous version (its TypeScript
// schema, on the tables) and the new one (its schema, through the expand's version schema) both
// insert, update and select successfully after the expand, halfway through the backfill and after
// it, and each reads what the other wrote; after the contract the new version still does.

const EXPAND = "0001_change_expand";
const snapshotOf = (tables: Record<string, unknown>, prevId?: string) =>
  generateDrizzleJson(tables, prevId, undefined, "snake_case");

const kinds: [string, Fixture][] = [
  ["rename a column", renameColumn],
  ["rename a table", renameTable],
  ["change a column's type", changeType],
  ["make a column NOT NULL", setNotNull],
  ["drop a column", dropColumn],
];

/** A database holding the previous version's table with one row it wrote, and both versions' connections. */
async function setUp(fixture: Fixture) {
  const database = await createTestDatabase();
  const before = snapshotOf(fixture.before);
  const after = snapshotOf(fixture.after, before.id);
  const statements = fixture.renamed ?? (await generateMigration(before, after));
  const admin = new pg.Pool({ connectionString: database.url, max: 1 });
  const previousPool = new pg.Pool({ connectionString: database.url, max: 1 });
  const nextPool = new pg.Pool({ connectionString: database.url, max: 1, options: searchPathOption(EXPAND) });
  const run = async (sqls: string[]) => {
    await admin.query("BEGIN");
    for (const sql of sqls) await admin.query(sql);
    await admin.query("COMMIT");
  };
  await run(await generateMigration(snapshotOf({}) as DrizzleSnapshotJSON, before));
  const previous = drizzle(previousPool, { casing: "snake_case" });
  expect(await fixture.previous(previous, "p0")).toEqual(expected(fixture, [["p0", "previous"]], "previous"));
  return {
    statements,
    plan: () =>
      planExpandContract({
        expandTag: EXPAND,
        statements,
        before: before as unknown as Snapshot,
        after: after as unknown as Snapshot,
      }),
    admin,
    run,
    previous,
    next: drizzle(nextPool, { casing: "snake_case" }),
    end: () => Promise.all([admin.end(), previousPool.end(), nextPool.end()]),
  };
}

describe.each(kinds)("the expand/contract pair generated to %s", (_, fixture) => {
  it("is needed: drizzle-kit's one migration breaks the previous version's typed queries", async () => {
    const { statements, run, previous, end } = await setUp(fixture);
    try {
      // Either the migration fails on the rows the previous version wrote, or its queries do.
      const outcome = await run(statements)
        .then(() => fixture.previous(previous, "p1"))
        .catch((error: Error) => error.message);
      expect(outcome).not.toEqual(
        expected(
          fixture,
          [
            ["p0", "previous"],
            ["p1", "previous"],
          ],
          "previous",
        ),
      );
    } finally {
      await end();
    }
  }, 120_000);

  it("keeps both versions' typed queries working through expand and backfill, and the new one's after the contract", async () => {
    const { plan: planOf, admin, run, previous, next, end } = await setUp(fixture);
    const plan = planOf();
    try {
      await run(plan.expand);
      const written: Array<[string, "previous" | "next"]> = [["p0", "previous"]];
      const phase = async (label: string, backfilled: boolean) => {
        written.push([`p-${label}`, "previous"]);
        const seenByPrevious = await fixture.previous(previous, `p-${label}`);
        written.push([`n-${label}`, "next"]);
        let seenByNext = await fixture.next(next, `n-${label}`);
        // A shadow column (type change) holds nothing for a row written before the expand until the
        // backfill reaches it: the new version reads NULL there, then the converted value.
        if (!backfilled) seenByNext = seenByNext.map((row) => row.replace(/^p0:object:null$/, "p0:number:7"));
        // Each version reads every row, the other's included (the new one after its own write).
        expect(seenByPrevious).toEqual(expected(fixture, written.slice(0, -1), "previous"));
        expect(seenByNext).toEqual(expected(fixture, written, "next"));
      };
      await phase("expanded", false);

      // The backfill as the `-- backfill:` lines ask: rows touched in key order, one per batch.
      for (const table of plan.backfill) {
        const { rows } = await admin.query(`SELECT id FROM "${table}" ORDER BY id`);
        for (const [index, row] of rows.entries()) {
          await admin.query(`UPDATE "${table}" SET id = id WHERE id = $1`, [row.id]);
          if (index === 0) await phase(`backfilling-${table}`, false);
        }
      }
      await phase("backfilled", true);

      await run(plan.contract);
      written.push(["n-contracted", "next"]);
      expect(await fixture.next(next, "n-contracted")).toEqual(expected(fixture, written, "next"));
    } finally {
      await end();
    }
  }, 120_000);
});

/**
 * What version `reader` reads of the rows `written`: the label, and for the type change the value
 * its writer set, as the reader's type (text for the previous version, integer for the new one).
 */
function expected(fixture: Fixture, written: Array<[string, "previous" | "next"]>, reader: "previous" | "next") {
  const type = reader === "previous" ? "string" : "number";
  return written
    .map(([label, writer]) => (fixture === changeType ? `${label}:${type}:${writer === "previous" ? 7 : 9}` : label))
    .sort();
}
