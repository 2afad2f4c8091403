import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { searchPathOption } from "@devtools-sync/db/client";
import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { describeSchema, migrate, rollback, splitStatements } from "@devtools-sync/migrate-core";
import { temporaryFolder } from "@devtools-sync/migrate-core/testing";
import { type DrizzleSnapshotJSON, generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { addCheck } from "../../test/fixtures/expand-contract/add-check";
import { addForeignKey } from "../../test/fixtures/expand-contract/add-foreign-key";
import { addUnique } from "../../test/fixtures/expand-contract/add-unique";
import { changeDefault } from "../../test/fixtures/expand-contract/change-default";
import { changeType } from "../../test/fixtures/expand-contract/change-type";
import { dropColumn } from "../../test/fixtures/expand-contract/drop-column";
import type { Fixture } from "../../test/fixtures/expand-contract/fixture";
import { renameColumn } from "../../test/fixtures/expand-contract/rename-column";
import { renameTable } from "../../test/fixtures/expand-contract/rename-table";
import { setNotNull } from "../../test/fixtures/expand-contract/set-not-null";
import { BREAKS_PREVIOUS_VERSION, compatibilityFindings } from "../lint/compatibility";
import { formatFinding } from "../lint/finding";
import { lintMigrations } from "../lint/lint-migrations";
import { type PairPlan, planExpandContract, type Snapshot } from "./plan";
import { contractText, expandDownText, expandText } from "./write-pair";

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
  ["add a CHECK to an existing column", addCheck],
  ["add a foreign key to an existing column", addForeignKey],
  ["make an existing column unique", addUnique],
  ["change a default the previous version relies on", changeDefault],
];

const BEFORE = "0000_before";
const SET_UPDATED_AT = `CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER agents_set_updated_at BEFORE UPDATE ON agents FOR EACH ROW EXECUTE FUNCTION set_updated_at();`;
const GATE = 4242;
const CONTRACT = "0002_change_contract";

/**
 * A migrations folder as pnpm db:generate leaves it: the previous version's table, then the pair
 * (journal and SQL; the migrator reads no snapshot).
 */
async function pairFolder(
  beforeSql: string[],
  plan: PairPlan,
  snapshots: [DrizzleSnapshotJSON, DrizzleSnapshotJSON],
): Promise<string> {
  const folder = join(await temporaryFolder(), "migrations");
  await mkdir(join(folder, "meta"), { recursive: true });
  const files: [string, string][] = [
    [BEFORE, beforeSql.join("\n--> statement-breakpoint\n")],
    [EXPAND, expandText(plan, EXPAND, CONTRACT)],
    [CONTRACT, contractText(plan, EXPAND)],
  ];
  const entries = files.map(([tag], idx) => ({
    idx,
    version: "7",
    when: 1_700_000_000_000 + idx,
    tag,
    breakpoints: true,
  }));
  await writeFile(
    join(folder, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries }),
  );
  for (const [tag, text] of files) await writeFile(join(folder, `${tag}.sql`), text);
  const [before, after] = snapshots;
  const chain = [before, after, { ...after, id: randomUUID(), prevId: after.id }];
  for (const [index, snapshot] of chain.entries()) {
    await writeFile(join(folder, "meta", `000${index}_snapshot.json`), JSON.stringify(snapshot));
  }
  await writeFile(join(folder, `${EXPAND}.down.sql`), expandDownText(plan, EXPAND, []));
  return folder;
}

/** A database holding the previous version's table with one row it wrote, and both versions' connections. */
async function setUp(fixture: Fixture) {
  const database = await createTestDatabase();
  const before = snapshotOf(fixture.before);
  const after = snapshotOf(fixture.after, before.id);
  const statements = fixture.renamed ?? (await generateMigration(before, after));
  const plan = planExpandContract({
    expandTag: EXPAND,
    statements,
    before: before as unknown as Snapshot,
    after: after as unknown as Snapshot,
    up: fixture.up,
  });
  // A table with updated_at gets the committed schema's trigger that moves it on every UPDATE (0003).
  const keepsUpdatedAt = "updated_at" in (before.tables["public.agents"]?.columns ?? {});
  const beforeSql = await generateMigration(snapshotOf({}) as DrizzleSnapshotJSON, before);
  if (keepsUpdatedAt) beforeSql.push(SET_UPDATED_AT);
  const folder = await pairFolder(beforeSql, plan, [before, after]);
  const migrator = new pg.Client({ connectionString: database.url });
  await migrator.connect();
  const admin = new pg.Pool({ connectionString: database.url, max: 1 });
  const previousPool = new pg.Pool({ connectionString: database.url, max: 1 });
  const nextPool = new pg.Pool({ connectionString: database.url, max: 1, options: searchPathOption(EXPAND) });
  await migrate({ client: migrator, folder, to: BEFORE });
  const previous = drizzle(previousPool, { casing: "snake_case" });
  expect(await fixture.previous(previous, "p0")).toEqual(expected(fixture, [["p0", "previous"]], "previous"));
  return {
    statements,
    plan,
    folder,
    keepsUpdatedAt,
    /** Rolls back the latest migration with its down file, as `migrator down --steps 1` does. */
    down: () => rollback({ client: migrator, folder, steps: 1 }),
    describe: () => describeSchema(migrator),
    /** Applies migrations up to `to` as `migrator up` does (backfills included), one row per batch. */
    migrate: (to: string) =>
      migrate({ client: migrator, folder, to, lockTimeoutMs: 60_000, backfill: { batchSize: 1, batchMs: 0 } }),
    admin,
    previous,
    next: drizzle(nextPool, { casing: "snake_case" }),
    end: () => Promise.all([migrator.end(), admin.end(), previousPool.end(), nextPool.end()]),
  };
}

describe.each(kinds)("the expand/contract pair generated to %s", (_, fixture) => {
  it("is needed: drizzle-kit's one migration breaks the previous version's typed queries", async () => {
    const { statements, admin, previous, end } = await setUp(fixture);
    try {
      // Either the migration fails on the rows the previous version wrote, or its queries do.
      const outcome = await (async () => {
        for (const statement of statements) await admin.query(statement);
      })()
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

  it("passes pnpm db:check's migration lint, down files included, where drizzle-kit's one migration fails it", async () => {
    const { folder, statements, end } = await setUp(fixture);
    try {
      const findings = await lintMigrations({ folder, databaseUrl: (await createTestDatabase()).url });
      expect(findings.map(formatFinding)).toEqual([]);
      const unpaired = {
        ...{ index: 1, name: "0001_change", createdAt: 0, hash: "", statements },
        ...{ transactional: true, down: null, phase: null },
      };
      const refused = compatibilityFindings(unpaired, splitStatements(statements.join("\n--> statement-breakpoint\n")));
      expect(refused.map((finding) => finding.rule)).toContain(BREAKS_PREVIOUS_VERSION);
    } finally {
      await end();
    }
  }, 120_000);

  it("has an expand whose down migration gives back the schema before it, the previous version's rows intact", async () => {
    const { migrate: migrateTo, down, describe: describeNow, previous, end } = await setUp(fixture);
    try {
      const before = await describeNow();
      await migrateTo(EXPAND);
      await down();
      expect(await describeNow()).toEqual(before);
      expect(await fixture.previous(previous, "p1")).toEqual(
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
    const { plan, keepsUpdatedAt, migrate: migrateTo, admin, previous, next, end } = await setUp(fixture);
    try {
      expect(await fixture.previous(previous, "p1")).toEqual(
        expected(
          fixture,
          [
            ["p0", "previous"],
            ["p1", "previous"],
          ],
          "previous",
        ),
      );
      const written: Array<[string, "previous" | "next"]> = [
        ["p0", "previous"],
        ["p1", "previous"],
      ];
      const phase = async (label: string, backfilled: boolean) => {
        written.push([`p-${label}`, "previous"]);
        const seenByPrevious = await fixture.previous(previous, `p-${label}`);
        written.push([`n-${label}`, "next"]);
        let seenByNext = await fixture.next(next, `n-${label}`);
        // A shadow column (type change) holds nothing for a row written before the expand until the
        // backfill reaches it: the new version reads NULL there, then the converted value.
        if (!backfilled) seenByNext = seenByNext.map((row) => row.replace(/^(p[01]):object:null$/, "$1:number:7"));
        // Each version reads every row, the other's included (the new one after its own write).
        expect(seenByPrevious).toEqual(expected(fixture, written.slice(0, -1), "previous"));
        expect(seenByNext).toEqual(expected(fixture, written, "next"));
      };

      const stamps = "SELECT id, updated_at FROM agents WHERE hostname IN ('p0', 'p1') ORDER BY id";
      const stampsBefore = keepsUpdatedAt ? (await admin.query(stamps)).rows : [];
      const [table] = plan.backfill;
      if (table === undefined) {
        await migrateTo(EXPAND);
        await phase("expanded", true);
      } else {
        // The migrator's backfill, caught halfway: a test trigger makes its touch of the last row in
        // key order wait for an advisory lock this test holds, so the rows before it are done and
        // that one is not while both versions run their queries.
        const { rows } = await admin.query(`SELECT id FROM "${table}" ORDER BY id DESC LIMIT 1`);
        await admin.query(`CREATE FUNCTION backfill_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('migrator.backfill', true) = 'on' AND OLD.id = '${rows[0].id}' THEN
    PERFORM pg_advisory_xact_lock_shared(${GATE});
  END IF;
  RETURN NEW;
END $$`);
        await admin.query(
          `CREATE TRIGGER backfill_gate BEFORE UPDATE ON "${table}" FOR EACH ROW EXECUTE FUNCTION backfill_gate()`,
        );
        const holder = await admin.connect();
        await holder.query(`SELECT pg_advisory_lock(${GATE})`);
        let settled = false;
        const expanding = migrateTo(EXPAND).finally(() => {
          settled = true;
        });
        while (!settled && !(await backfillWaits(holder))) await new Promise((resolve) => setTimeout(resolve, 50));
        try {
          await phase("backfilling", false);
          expect(settled).toBe(false);
        } finally {
          // Also when a query failed: the held backfill would otherwise keep the test waiting.
          await holder.query(`SELECT pg_advisory_unlock(${GATE})`);
          holder.release();
        }
        const result = await expanding;
        expect(result.backfilled.map((done) => done.table)).toEqual([table]);
        await phase("backfilled", true);
        // The backfill touched every row, yet no row the applications did not write looks updated.
        if (keepsUpdatedAt) expect((await admin.query(stamps)).rows).toEqual(stampsBefore);
      }

      await migrateTo(CONTRACT);
      written.push(["n-contracted", "next"]);
      expect(await fixture.next(next, "n-contracted")).toEqual(expected(fixture, written, "next"));
    } finally {
      await end();
    }
  }, 120_000);
  it("lets a new-version query that waits behind the contract through, instead of locking it in a cycle", async () => {
    const { migrate: migrateTo, admin, next, end } = await setUp(fixture);
    const holder = await admin.connect();
    // pg_stat_activity is read once per transaction: the holder's open one would see it frozen.
    const watcher = new pg.Client({ connectionString: admin.options.connectionString });
    await watcher.connect();
    try {
      await migrateTo(EXPAND);
      // A previous-version transaction still reads the table: the contract waits for it.
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM agents LIMIT 1");
      const contracting = migrateTo(CONTRACT);
      await waitForLockWaits(watcher, 1);
      // A new-version query arrives and queues behind the contract; then the previous version finishes.
      const querying = fixture.next(next, "n-waiting");
      await waitForLockWaits(watcher, 2);
      await holder.query("COMMIT");
      await contracting;
      expect(await querying).toEqual(
        expected(
          fixture,
          [
            ["p0", "previous"],
            ["n-waiting", "next"],
          ],
          "next",
        ),
      );
    } finally {
      holder.release();
      await watcher.end();
      await end();
    }
  }, 120_000);
});

/** Waits until `count` other sessions of this database wait for a lock. */
async function waitForLockWaits(client: pg.Client, count: number): Promise<void> {
  for (;;) {
    const { rows } = await client.query(
      "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    );
    if (rows[0].waiting >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether another session of this database waits for the gate's advisory lock (the backfill, at the gated row). */
async function backfillWaits(client: pg.PoolClient): Promise<boolean> {
  const { rows } = await client.query(
    "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory' AND pid <> pg_backend_pid()",
  );
  return rows[0].waiting > 0;
}

/**
 * What version `reader` reads of the rows `written`: the label, and for the type change the value
 * its writer set, as the reader's type (text for the previous version, double precision for the new one).
 */
function expected(fixture: Fixture, written: Array<[string, "previous" | "next"]>, reader: "previous" | "next") {
  const type = reader === "previous" ? "string" : "number";
  return written
    .map(([label, writer]) => (fixture === changeType ? `${label}:${type}:${writer === "previous" ? 7 : 9}` : label))
    .sort();
}
