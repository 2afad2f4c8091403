import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { describe, expect, it } from "vitest";
import { ledgers, lines, parseJsonLines, runCli, tempDir, writeMigrations } from "../../test-fixtures/harness";

// `migrator status` answers "is this database up to date?" for people (lines) and scripts (exit
// code, --json), and never changes the database.

const database = await createTestDatabase();
const users = { tag: "0000_users", sql: "CREATE TABLE users (id int PRIMARY KEY);" };
const teams = { tag: "0001_teams", sql: "CREATE TABLE teams (id int PRIMARY KEY);" };

describe("migrator status", () => {
  it("lists applied and pending migrations, exits 3 while some are pending and 0 once up to date", async () => {
    const folder = await tempDir();
    const status = (...flags: string[]) =>
      runCli(["status", "--database-url", database.url, "--migrations-dir", folder, ...flags]);
    await writeMigrations(folder, [users, teams]);

    const never = await status();
    expect(never.code).toBe(3);
    expect(lines(never.stderr)).toEqual(["0 applied, 2 pending.", "  pending  0000_users", "  pending  0001_teams"]);
    expect(await ledgers(database.url)).toEqual({ names: [], finished: [], drizzleRows: 0 });

    await writeMigrations(folder, [users]);
    expect((await runCli(["up", "--database-url", database.url, "--migrations-dir", folder])).code).toBe(0);
    await writeMigrations(folder, [users, teams]);
    const half = await status();
    expect(half.code).toBe(3);
    expect(lines(half.stderr)).toEqual(["1 applied, 1 pending.", "  applied  0000_users", "  pending  0001_teams"]);

    const json = await status("--json");
    expect(json.code).toBe(3);
    expect(json.stderr).toBe("");
    expect(parseJsonLines(json.stdout)).toEqual([
      {
        type: "result",
        command: "status",
        applied: ["0000_users"],
        pending: ["0001_teams"],
        held: null,
        waiting: [],
        backfills: [],
        time: expect.any(String),
      },
    ]);

    expect((await runCli(["up", "--database-url", database.url, "--migrations-dir", folder])).code).toBe(0);
    const current = await status();
    expect(current.code).toBe(0);
    expect(lines(current.stderr)).toEqual(["2 applied, 0 pending.", "  applied  0000_users", "  applied  0001_teams"]);
    const currentJson = await status("--json");
    expect(currentJson.code).toBe(0);
    expect(parseJsonLines(currentJson.stdout)).toMatchObject([{ applied: ["0000_users", "0001_teams"], pending: [] }]);
  }, 60_000);
});
