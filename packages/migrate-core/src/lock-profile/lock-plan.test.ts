import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MigrateError } from "../errors";
import { migrate } from "../migrate";
import { pendingMigrations } from "../pending-sql";
import { writeMigrationsFolder } from "../testing";
import type { LockPlan, StatementAssessment } from "./assess";
import { lockGate } from "./before-up";
import { enforceGate, gateRefusals } from "./gate";
import { planLocks } from "./plan-locks";
import { formatLockPlanMarkdown, formatLockPlanTable } from "./report";

// The lock plan of one pending migration at a time, measured on a scratch copy and scored against
// a target whose table holds 200,000 rows: what static linters guess, measured.

const ROWS = 200_000;
const target = await createTestDatabase();
const folders: string[] = [];
const accounts = {
  tag: "0000_accounts",
  sql: 'CREATE TABLE "accounts" ("id" integer PRIMARY KEY, "balance" integer NOT NULL, "name" varchar(50));',
};

beforeAll(async () => {
  await withClient(target.url, async (client) => {
    await migrate({ client, folder: await folder([]) });
    await client.query(
      `INSERT INTO accounts SELECT g, g % 1000, 'account ' || g FROM generate_series(1, ${ROWS}) g; ANALYZE accounts`,
    );
  });
}, 60_000);

afterAll(async () => {
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

/** A migrations folder holding 0000_accounts (applied on the target) and `pending` after it. */
async function folder(pending: { tag: string; sql: string }[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lock-plan-"));
  folders.push(dir);
  return writeMigrationsFolder(dir, [accounts, ...pending]);
}

async function plan(...pending: { tag: string; sql: string }[]): Promise<LockPlan> {
  const dir = await folder(pending);
  return withClient(target.url, async (client) => planLocks({ client: client as pg.Client, folder: dir }));
}

const only = (plan: LockPlan): StatementAssessment => {
  expect(plan.statements).toHaveLength(1);
  return plan.statements[0] as StatementAssessment;
};

const gate = (plan: LockPlan) => gateRefusals(plan, { maxBlockingRows: 10_000, allowBlocking: [] });

describe("the measured lock plan, scored against a 200,000-row table", () => {
  it("measures integer → bigint as a rewrite under ACCESS EXCLUSIVE, and the gate refuses it naming table, size and fix", async () => {
    const result = await plan({
      tag: "0001_widen_balance",
      sql: 'ALTER TABLE "accounts" ALTER COLUMN "balance" SET DATA TYPE bigint;',
    });
    const statement = only(result);
    expect(statement.locks).toContainEqual({ table: "accounts", mode: "AccessExclusiveLock", blocks: "reads" });
    expect(statement.work).toEqual([expect.objectContaining({ table: "accounts", kind: "rewrite", rows: ROWS })]);
    expect(statement.verdict).toBe("blocks reads");
    expect(statement.estimatedHoldMs).toBeGreaterThan(0);
    expect(statement.fix).toMatch(/add a column of the new type, backfill/);
    expect(gate(result)).toEqual([statement]);
    let refusal: unknown;
    try {
      enforceGate(result, { maxBlockingRows: 10_000, allowBlocking: [] });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(MigrateError);
    expect(refusal).toMatchObject({ code: "blocking-migration", exitCode: 5 });
    const message = (refusal as Error).message;
    expect(message).toContain("0001_widen_balance statement 1");
    expect(message).toContain('ALTER TABLE "accounts" ALTER COLUMN "balance" SET DATA TYPE bigint');
    expect(message).toContain("accounts (~200,000 rows");
    expect(message).toContain("--allow-blocking 0001_widen_balance");
    expect(() => enforceGate(result, { maxBlockingRows: 10_000, allowBlocking: ["0001_widen_balance"] })).not.toThrow();
    expect(() => enforceGate(result, { maxBlockingRows: ROWS, allowBlocking: [] })).not.toThrow();
  }, 60_000);

  it("measures varchar(50) → varchar(100) as a catalog-only change (no rewrite, no scan) that passes", async () => {
    const result = await plan({
      tag: "0001_longer_name",
      sql: 'ALTER TABLE "accounts" ALTER COLUMN "name" SET DATA TYPE varchar(100);',
    });
    const statement = only(result);
    expect(statement.locks).toContainEqual({ table: "accounts", mode: "AccessExclusiveLock", blocks: "reads" });
    expect(statement.work).toEqual([]);
    expect(statement.verdict).toBe("safe");
    expect(statement.reason).toMatch(/^catalog-only change under ACCESS EXCLUSIVE on accounts/);
    expect(gate(result)).toEqual([]);
  }, 60_000);

  it("passes ADD COLUMN of a nullable column", async () => {
    const statement = only(await plan({ tag: "0001_note", sql: 'ALTER TABLE "accounts" ADD COLUMN "note" text;' }));
    expect(statement.work).toEqual([]);
    expect(statement.verdict).toBe("safe");
  }, 60_000);

  it("refuses CREATE INDEX without CONCURRENTLY (a build under SHARE blocks writes); CONCURRENTLY passes and waits for older snapshots", async () => {
    const plain = await plan({
      tag: "0001_index",
      sql: 'CREATE INDEX "accounts_balance_idx" ON "accounts" ("balance");',
    });
    const statement = only(plain);
    expect(statement.locks).toContainEqual({ table: "accounts", mode: "ShareLock", blocks: "writes" });
    expect(statement.work).toEqual([expect.objectContaining({ kind: "index-build", index: "accounts_balance_idx" })]);
    expect(statement.verdict).toBe("blocks writes");
    expect(statement.fix).toMatch(/^CREATE INDEX CONCURRENTLY/);
    expect(gate(plain)).toHaveLength(1);

    const concurrent = only(
      await plan({
        tag: "0001_index",
        sql: 'CREATE INDEX CONCURRENTLY "accounts_balance_idx" ON "accounts" ("balance");',
      }),
    );
    expect(concurrent.locks).toContainEqual({ table: "accounts", mode: "ShareUpdateExclusiveLock", blocks: "nothing" });
    expect(concurrent.work).toEqual([expect.objectContaining({ kind: "index-build" })]);
    expect(concurrent.verdict).toBe("safe");
    expect(concurrent.reason).toContain("waits for every transaction older than it");
  }, 60_000);

  it("refuses ADD CONSTRAINT CHECK (a scan under ACCESS EXCLUSIVE); NOT VALID then VALIDATE in the next migration passes", async () => {
    const direct = await plan({
      tag: "0001_check",
      sql: 'ALTER TABLE "accounts" ADD CONSTRAINT "balance_positive" CHECK ("balance" >= 0);',
    });
    const statement = only(direct);
    expect(statement.work).toEqual([expect.objectContaining({ table: "accounts", kind: "scan" })]);
    expect(statement.verdict).toBe("blocks reads");
    expect(statement.fix).toMatch(/NOT VALID/);
    expect(gate(direct)).toHaveLength(1);

    const split = await plan(
      {
        tag: "0001_check",
        sql: 'ALTER TABLE "accounts" ADD CONSTRAINT "balance_positive" CHECK ("balance" >= 0) NOT VALID;',
      },
      { tag: "0002_validate", sql: 'ALTER TABLE "accounts" VALIDATE CONSTRAINT "balance_positive";' },
    );
    const [add, validate] = split.statements as [StatementAssessment, StatementAssessment];
    expect(add.work).toEqual([]);
    expect(validate.locks).toContainEqual({ table: "accounts", mode: "ShareUpdateExclusiveLock", blocks: "nothing" });
    expect(validate.work).toEqual([expect.objectContaining({ kind: "scan" })]);
    expect(split.statements.map((s) => s.verdict)).toEqual(["safe", "safe"]);
    expect(gate(split)).toEqual([]);

    // In one transaction, VALIDATE scans while ADD's ACCESS EXCLUSIVE is still held.
    const together = await plan({
      tag: "0001_check",
      sql: 'ALTER TABLE "accounts" ADD CONSTRAINT "balance_positive" CHECK ("balance" >= 0) NOT VALID;\n--> statement-breakpoint\nALTER TABLE "accounts" VALIDATE CONSTRAINT "balance_positive";',
    });
    expect(together.statements.map((s) => s.verdict)).toEqual(["safe", "blocks reads"]);
    expect(together.statements[1]?.fix).toMatch(
      /^VALIDATE CONSTRAINT in a migration of its own: here an earlier statement's ACCESS EXCLUSIVE/,
    );
    expect(gate(together)).toHaveLength(1);
  }, 60_000);

  it("reports an idle-in-transaction session holding ACCESS SHARE on the table with its pid and age, and prints table and Markdown", async () => {
    const holder = new pg.Client({ connectionString: target.url, application_name: "nightly-report" });
    await holder.connect();
    try {
      await holder.query("BEGIN; SELECT count(*) FROM accounts");
      const pid = (await holder.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      const result = await plan({ tag: "0001_note", sql: 'ALTER TABLE "accounts" ADD COLUMN "note" text;' });
      const statement = only(result);
      expect(statement.verdict).toBe("waits");
      expect(statement.blockerPids).toEqual([pid]);
      expect(result.blockers).toEqual([
        expect.objectContaining({
          pid,
          applicationName: "nightly-report",
          state: "idle in transaction",
          locks: expect.arrayContaining([{ table: "accounts", mode: "AccessShareLock", granted: true }]),
        }),
      ]);
      expect(result.blockers[0]?.transactionAgeMs).toBeGreaterThan(0);
      expect(formatLockPlanTable(result)).toContain(`pid ${pid} (app "nightly-report", idle in transaction for`);
      const markdown = formatLockPlanMarkdown(result);
      expect(markdown).toContain("| migration | # | statement | verdict |");
      expect(markdown).toContain('| 0001_note | 1 | `ALTER TABLE "accounts" ADD COLUMN "note" text;` | waits |');
    } finally {
      await holder.end();
    }
  }, 60_000);
});

describe("the gate up runs before anything", () => {
  const gateOn = async (
    pending: { tag: string; sql: string },
    options: { allowBlocking?: string[]; maxBlockingRows?: number } = {},
  ) => {
    const dir = await folder([pending]);
    return withClient(target.url, async (client) =>
      lockGate({
        client: client as pg.Client,
        folder: dir,
        pending: await pendingMigrations({ client, folder: dir }),
        allowBlocking: [],
        maxBlockingRows: 10_000,
        ...options,
      }),
    );
  };
  const widen = {
    tag: "0001_widen_balance",
    sql: 'ALTER TABLE "accounts" ALTER COLUMN "balance" SET DATA TYPE bigint;',
  };

  it("refuses a rewrite of the large table with exit 5, and lets it through unmeasured once allowed", async () => {
    await expect(gateOn(widen)).rejects.toMatchObject({ code: "blocking-migration", exitCode: 5 });
    expect(await gateOn(widen, { allowBlocking: ["0001_widen_balance"] })).toEqual({
      plan: null,
      blockers: [],
      upFront: new Map(),
    });
    expect(await gateOn(widen, { maxBlockingRows: ROWS })).toEqual({ plan: null, blockers: [], upFront: new Map() });
  }, 60_000);

  it("lets a catalog-only change through and names the idle-in-transaction session in its way", async () => {
    const holder = new pg.Client({ connectionString: target.url, application_name: "nightly-report" });
    await holder.connect();
    try {
      await holder.query("BEGIN; SELECT count(*) FROM accounts");
      const pid = (await holder.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      const result = await gateOn({ tag: "0001_note", sql: 'ALTER TABLE "accounts" ADD COLUMN "note" text;' });
      expect(result.plan?.statements.map((s) => s.verdict)).toEqual(["waits"]);
      expect(result.blockers.map((session) => session.pid)).toEqual([pid]);
    } finally {
      await holder.end();
    }
  }, 60_000);
});
