import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { describe, expect, it } from "vitest";
import {
  type FixtureMigration,
  ledgers,
  lines,
  runCli,
  tableExists,
  tempDir,
  writeMigrations,
} from "../test-fixtures/harness";

// When the files and the database's history disagree, `up` and `status` refuse with exit 4, one
// line naming the migration, and apply nothing: a wrong deploy must not half-migrate production.

const [edited, missing, outOfOrder] = await Promise.all([
  createTestDatabase(),
  createTestDatabase(),
  createTestDatabase(),
]);

const users: FixtureMigration = {
  tag: "0000_users",
  sql: "CREATE TABLE users (id int PRIMARY KEY);",
  when: 1_700_000_000_000,
};
const teams: FixtureMigration = {
  tag: "0001_teams",
  sql: "CREATE TABLE teams (id int PRIMARY KEY);",
  when: 1_700_000_002_000,
};
const posts: FixtureMigration = {
  tag: "0002_posts",
  sql: "CREATE TABLE posts (id int PRIMARY KEY);",
  when: 1_700_000_003_000,
};

/** Applies `applied` with the CLI, then rewrites the folder as `later` and runs `up` and `status` on it. */
async function refuse(url: string, applied: FixtureMigration[], later: FixtureMigration[]) {
  const folder = await tempDir();
  await writeMigrations(folder, applied);
  expect((await runCli(["up", "--database-url", url, "--migrations-dir", folder])).code).toBe(0);
  const before = await ledgers(url);
  await writeMigrations(folder, later);
  const up = await runCli(["up", "--database-url", url, "--migrations-dir", folder]);
  const status = await runCli(["status", "--database-url", url, "--migrations-dir", folder]);
  expect(await ledgers(url)).toEqual(before);
  return { up, status };
}

describe("migrator up refuses, with exit 4 and nothing applied,", () => {
  it("a migration edited after it was applied", async () => {
    const { up, status } = await refuse(
      edited.url,
      [users],
      [{ ...users, sql: "CREATE TABLE users (id bigint PRIMARY KEY);" }, teams],
    );
    for (const run of [up, status]) {
      expect(run.code).toBe(4);
      expect(lines(run.stderr)).toEqual([
        expect.stringMatching(/^Error: Migration 0000_users was changed after it was applied/),
      ]);
    }
    expect(await tableExists(edited.url, "teams")).toBe(false);
  });

  it("an applied migration whose file and journal entry are gone", async () => {
    const { up, status } = await refuse(missing.url, [users, teams], [users, posts]);
    for (const run of [up, status]) {
      expect(run.code).toBe(4);
      expect(lines(run.stderr)).toEqual([
        expect.stringMatching(
          /^Error: Migration 0001_teams was applied to this database but is not in the migrations folder/,
        ),
      ]);
    }
    expect(await tableExists(missing.url, "posts")).toBe(false);
  });

  it("a pending migration ordered before an applied one (a branch merged late)", async () => {
    const lateBranch: FixtureMigration = {
      tag: "0001_late_branch",
      sql: "CREATE TABLE late (id int PRIMARY KEY);",
      when: 1_700_000_001_000,
    };
    const { up, status } = await refuse(
      outOfOrder.url,
      [users, { ...teams, tag: "0002_teams" }],
      [users, lateBranch, { ...teams, tag: "0002_teams" }, { ...posts, tag: "0003_posts", when: 1_700_000_004_000 }],
    );
    for (const run of [up, status]) {
      expect(run.code).toBe(4);
      expect(lines(run.stderr)).toEqual([
        expect.stringMatching(
          /^Error: Migration 0001_late_branch is pending but ordered before 0002_teams, which is applied/,
        ),
      ]);
    }
    expect(await tableExists(outOfOrder.url, "late")).toBe(false);
    expect(await tableExists(outOfOrder.url, "posts")).toBe(false);
  });
});
