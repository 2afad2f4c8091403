import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { lockCycleFixture } from "@devtools-sync/migrate-core/testing";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { ledgers, lines, parseJsonLines, runCli, tempDir, writeMigrations } from "../test-fixtures/harness";

// The lock gate as a deploy pipeline meets it: `migrator plan` measures what each pending statement
// locks on a copy and scores it against this database; `up` refuses what would block the
// application on a table over --max-blocking-rows, and names the sessions in its way.

const ROWS = 200_000;
const [large, blocked] = await Promise.all([createTestDatabase(), createTestDatabase()]);
const accounts = {
  tag: "0000_accounts",
  sql: 'CREATE TABLE "accounts" ("id" integer PRIMARY KEY, "balance" integer NOT NULL, "name" varchar(50));',
};
const widen = { tag: "0001_widen_balance", sql: 'ALTER TABLE "accounts" ALTER COLUMN "balance" SET DATA TYPE bigint;' };
const longer = {
  tag: "0001_longer_name",
  sql: 'ALTER TABLE "accounts" ALTER COLUMN "name" SET DATA TYPE varchar(100);',
};
const note = { tag: "0001_note", sql: 'ALTER TABLE "accounts" ADD COLUMN "note" text;' };

async function withAccounts(url: string): Promise<void> {
  const dir = await tempDir();
  await writeMigrations(dir, [accounts]);
  expect((await runCli(["up", "--database-url", url, "--migrations-dir", dir])).code).toBe(0);
  await withClient(url, (client) =>
    client.query(
      `INSERT INTO accounts SELECT g, g % 1000, 'account ' || g FROM generate_series(1, ${ROWS}) g; ANALYZE accounts`,
    ),
  );
}

async function folderWith(pending: { tag: string; sql: string }): Promise<string> {
  const dir = await tempDir();
  await writeMigrations(dir, [accounts, pending]);
  return dir;
}

beforeAll(() => Promise.all([withAccounts(large.url), withAccounts(blocked.url)]), 120_000);

describe("migrator up's lock gate", () => {
  it("refuses integer → bigint on a 200,000-row table before running anything (exit 5), naming statement, table, size and fix", async () => {
    const dir = await folderWith(widen);
    const run = await runCli(["up", "--database-url", large.url, "--migrations-dir", dir]);
    expect(run.code).toBe(5);
    const message = run.stderr;
    expect(message).toMatch(/^Error: Refused before running anything: 0001_widen_balance would block the application/);
    expect(message).toContain(
      '0001_widen_balance statement 1 (ALTER TABLE "accounts" ALTER COLUMN "balance" SET DATA TYPE bigint;) blocks reads of accounts while it rewrites accounts (~200,000 rows',
    );
    expect(message).toContain("fix: expand and contract");
    expect(message).toContain("--allow-blocking 0001_widen_balance");
    expect((await ledgers(large.url)).names).toEqual(["0000_accounts"]);

    const allowed = await runCli([
      "up",
      "--allow-blocking",
      "0001_widen_balance",
      "--database-url",
      large.url,
      "--migrations-dir",
      dir,
    ]);
    expect(allowed.code).toBe(0);
    expect((await ledgers(large.url)).names).toEqual(["0000_accounts", "0001_widen_balance"]);
  }, 120_000);

  it("takes up front, referencing table first, the locks of a migration that would hold one table while asking for another", async () => {
    const { agentsAndReports, checksOnAgentsThenReports } = lockCycleFixture;
    const fresh = await createTestDatabase();
    const dir = await tempDir();
    await writeMigrations(dir, [agentsAndReports]);
    expect((await runCli(["up", "--database-url", fresh.url, "--migrations-dir", dir])).code).toBe(0);
    await writeMigrations(dir, [agentsAndReports, checksOnAgentsThenReports]);
    const run = await runCli(["up", "--json", "--database-url", fresh.url, "--migrations-dir", dir]);
    expect(run.code).toBe(0);
    expect(parseJsonLines(run.stdout)).toContainEqual(
      expect.objectContaining({
        type: "locks-up-front",
        name: checksOnAgentsThenReports.tag,
        locks: ["LOCK TABLE reports IN ACCESS EXCLUSIVE MODE", "LOCK TABLE agents IN ACCESS EXCLUSIVE MODE"],
      }),
    );
    expect((await ledgers(fresh.url)).names).toEqual([agentsAndReports.tag, checksOnAgentsThenReports.tag]);
  }, 120_000);

  it("lets varchar(50) → varchar(100) through (measured: no rewrite)", async () => {
    const dir = await tempDir();
    await writeMigrations(dir, [accounts, { ...longer, tag: "0001_longer_name" }]);
    const fresh = await createTestDatabase();
    await withAccounts(fresh.url);
    const run = await runCli(["up", "--database-url", fresh.url, "--migrations-dir", dir]);
    expect(run.code).toBe(0);
    expect((await ledgers(fresh.url)).names).toEqual(["0000_accounts", "0001_longer_name"]);
  }, 120_000);

  it("names the idle-in-transaction session in the way, waits for it within --lock-timeout × --lock-retries, then fails naming it", async () => {
    const dir = await folderWith(note);
    const holder = new pg.Client({ connectionString: blocked.url, application_name: "nightly-report" });
    await holder.connect();
    try {
      await holder.query("BEGIN; SELECT count(*) FROM accounts");
      const pid = (await holder.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      const args = [
        "--lock-timeout",
        "100",
        "--lock-retries",
        "1",
        "--database-url",
        blocked.url,
        "--migrations-dir",
        dir,
      ];
      const run = await runCli(["up", ...args]);
      expect(run.code).toBe(1);
      const [blocker, retry, error] = lines(run.stderr);
      expect(blocker).toMatch(
        new RegExp(
          `^In the way of the pending migrations: pid ${pid} \\(app "nightly-report", idle in transaction for [\\d.]+ m?s, holds ACCESS SHARE on accounts\\)`,
        ),
      );
      expect(retry).toContain("0001_note: a table is locked by another transaction; retry 1");
      expect(error).toMatch(/lock timeout/);
      expect(error).toContain(`In the way now: pid ${pid} (app "nightly-report", idle in transaction`);
      expect((await ledgers(blocked.url)).names).toEqual(["0000_accounts"]);
    } finally {
      await holder.end();
    }
  }, 120_000);
});

describe("the lock gate and expand/contract pairs", () => {
  it("judges an expand like any migration, and a held contract only once it is released", async () => {
    const database = await createTestDatabase();
    await withAccounts(database.url);
    const expand = { tag: "0001_note_expand", sql: `-- expand: add accounts.note\n${note.sql}` };
    const contract = { tag: "0002_widen_contract", sql: `-- contract: 0001_note_expand\n${widen.sql}` };
    const up = async (migrations: { tag: string; sql: string }[], ...flags: string[]) => {
      const dir = await tempDir();
      await writeMigrations(dir, [accounts, ...migrations]);
      return runCli(["up", "--database-url", database.url, "--migrations-dir", dir, "--verify", "never", ...flags]);
    };

    // An expand that rewrites the large table is refused like any migration.
    const rewriting = await up([{ tag: "0001_note_expand", sql: `-- expand: widen balance\n${widen.sql}` }]);
    expect(rewriting.code).toBe(5);
    expect((await ledgers(database.url)).names).toEqual(["0000_accounts"]);

    // The contract that would be refused is held, so up applies the expand and stops before it.
    const held = await up([expand, contract]);
    expect(held.code, held.stderr).toBe(0);
    expect((await ledgers(database.url)).names).toEqual(["0000_accounts", "0001_note_expand"]);
    // Released, it is judged, and refused before running.
    const released = await up([expand, contract], "--contract", contract.tag);
    expect(released.code).toBe(5);
    expect(released.stderr).toContain("0002_widen_contract would block the application");
    expect((await ledgers(database.url)).names).toEqual(["0000_accounts", "0001_note_expand"]);
  }, 120_000);
});

describe("migrator plan's lock report", () => {
  it("prints each statement's measured locks and verdict, writes Markdown, gives them with --json, and exits 5 when up would refuse", async () => {
    const dir = await folderWith({
      tag: "0001_index",
      sql: 'CREATE INDEX "accounts_balance_idx" ON "accounts" ("balance");',
    });
    const markdown = join(await tempDir(), "plan.md");
    const run = await runCli(["plan", "--markdown", markdown, "--database-url", blocked.url, "--migrations-dir", dir]);
    expect(run.code).toBe(5);
    expect(run.stdout).toContain('CREATE INDEX "accounts_balance_idx" ON "accounts" ("balance");');
    expect(run.stdout).toMatch(
      /0001_index\s+1\s+CREATE INDEX "accounts_balance_idx" ON "account…\s+blocks writes\s+SHARE accounts\s+accounts 200,000 rows/,
    );
    expect(run.stdout).toContain("Fix: CREATE INDEX CONCURRENTLY");
    expect(lines(run.stderr).at(-1)).toContain("up would refuse 1 statement(s)");
    expect(await readFile(markdown, "utf8")).toContain("| 0001_index | 1 | `CREATE INDEX");

    const json = await runCli(["plan", "--json", "--database-url", blocked.url, "--migrations-dir", dir]);
    const result = parseJsonLines(json.stdout).find((event) => event.type === "result") as {
      locks: { statements: { verdict: string; locks: unknown[] }[] };
    };
    expect(result.locks.statements.map((s) => s.verdict)).toEqual(["blocks writes"]);
    expect(result.locks.statements[0]?.locks).toEqual([{ table: "accounts", mode: "ShareLock", blocks: "writes" }]);
    expect((await ledgers(blocked.url)).names).toEqual(["0000_accounts"]);
  }, 120_000);
});
