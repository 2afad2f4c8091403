import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { describeSchema, readMigrations } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import {
  type FixtureMigration,
  ledgers,
  lines,
  parseJsonLines,
  runCli,
  tableExists,
  tempDir,
  writeMigrations,
} from "../../test-fixtures/harness";

// `migrator down` as an operator runs it after a bad deploy: the bundled CLI and migrations, a real
// database. It undoes exactly what was asked, or refuses before anything runs.

const [history, reference, fixtures, integrity] = await Promise.all([
  createTestDatabase(),
  createTestDatabase(),
  createTestDatabase(),
  createTestDatabase(),
]);
const committed = (await readMigrations(migrationsFolder)).map((migration) => migration.name);
const [first, second, third] = committed as [string, string, string];

const schemaOf = (url: string) => withClient(url, (client) => describeSchema(client));
const cli = (url: string, ...args: string[]) => runCli(["down", "--database-url", url, ...args]);

describe("migrator down", () => {
  it("is listed in --help with its flags", async () => {
    const help = await runCli(["--help"]);
    expect(help.stdout).toMatch(/^ {2}down {2,}Roll back the latest migrations/m);
    for (const flag of ["--to", "--steps", "--allow-data-loss"]) {
      expect(help.stdout.split("\n  status")[0]?.split("\n  down")[1]).toContain(flag);
    }
  });

  it("refuses, before connecting, a run that does not say how far to go (exit 2)", async () => {
    const nowhere = "postgres://nobody:secret@127.0.0.1:1/none";
    for (const args of [[], ["--steps", "0"], ["--steps", "two"], ["--steps", "1", "--to", first]]) {
      const run = await cli(nowhere, ...args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(/--to <migration>|--steps must be a whole number/);
    }
  });

  it("rolls back --steps N and --to NAME, latest first, leaving the schema and both ledgers as up to there made them", async () => {
    expect((await runCli(["up", "--database-url", history.url])).code).toBe(0);
    expect((await runCli(["up", "--database-url", reference.url, "--to", third])).code).toBe(0);

    const untouched = { ledgers: await ledgers(history.url), schema: await schemaOf(history.url) };
    const dryRun = await cli(history.url, "--steps", String(committed.length - 3), "--dry-run");
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(
      /^-- Down migration of 0004_tune_indexes_for_hot_paths: runs outside a transaction, each statement committing alone \(CONCURRENTLY\)$/m,
    );
    expect(dryRun.stdout).toContain('CREATE INDEX CONCURRENTLY "idx_agents_group_id" ON "agents"');
    expect(dryRun.stderr.trim()).toBe(`${committed.length - 3} migration(s) would be rolled back; nothing was run.`);
    expect({ ledgers: await ledgers(history.url), schema: await schemaOf(history.url) }).toEqual(untouched);

    const steps = await cli(history.url, "--steps", String(committed.length - 3));
    expect(steps.code).toBe(0);
    const undone = committed.slice(3).reverse();
    expect(lines(steps.stderr).slice(0, undone.length)).toEqual(
      undone.map((name) => expect.stringMatching(new RegExp(`^  rolled back ${name} \\(`))),
    );
    expect(lines(steps.stderr).at(-1)).toMatch(new RegExp(`^Rolled back ${undone.length} migration\\(s\\) in `));
    expect(await ledgers(history.url)).toEqual({
      names: [first, second, third],
      finished: [true, true, true],
      drizzleRows: 3,
    });
    expect(await schemaOf(history.url)).toEqual(await schemaOf(reference.url));

    const to = await cli(history.url, "--to", first, "--json");
    expect(to.code).toBe(0);
    const events = parseJsonLines(to.stdout);
    expect(events.filter((event) => event.type === "rollback-done").map((event) => event.name)).toEqual([
      third,
      second,
    ]);
    expect(events.at(-1)).toMatchObject({ type: "result", command: "down", rolledBack: [third, second] });
    expect(await ledgers(history.url)).toEqual({ names: [first], finished: [true], drizzleRows: 1 });

    const pending = await cli(history.url, "--to", third);
    expect([pending.code, lines(pending.stderr)]).toEqual([
      2,
      [
        `Error: Migration ${third} is not applied to this database, so it cannot be left as the last applied one: pass an applied migration (see migrator status).`,
      ],
    ]);

    const again = await cli(history.url, "--to", first);
    expect([again.code, again.stderr.trim()]).toEqual([
      0,
      "Nothing to roll back: that migration is already the last applied.",
    ]);
  }, 60_000);

  it("refuses a down migration that drops data until --allow-data-loss, changing nothing (exit 2)", async () => {
    // Continues from the previous test: only the first migration is applied.
    const before = await schemaOf(history.url);
    const dryRun = await cli(history.url, "--steps", "1", "--dry-run");
    expect([dryRun.code, dryRun.stdout]).toEqual([2, ""]);
    const refused = await cli(history.url, "--steps", "1");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(dryRun.stderr);
    expect(lines(refused.stderr)).toEqual([
      `Error: Rolling back would delete data: ${first} (every table of the schema and all their rows). Nothing was rolled back; pass --allow-data-loss to run it anyway.`,
    ]);
    expect(await schemaOf(history.url)).toEqual(before);
    expect((await ledgers(history.url)).names).toEqual([first]);

    const allowed = await cli(history.url, "--steps", "1", "--allow-data-loss");
    expect(allowed.code).toBe(0);
    expect(await tableExists(history.url, "users")).toBe(false);
    expect(await ledgers(history.url)).toEqual({ names: [], finished: [], drizzleRows: 0 });

    expect((await runCli(["up", "--database-url", history.url])).code).toBe(0);
    expect((await ledgers(history.url)).names).toEqual(committed);
  }, 60_000);

  it("refuses, naming the migration, more steps than are applied, a migration that is not applied, an irreversible or missing down migration (exit 2)", async () => {
    const folder = await tempDir();
    const users: FixtureMigration = {
      tag: "0000_users",
      sql: "CREATE TABLE users (id int PRIMARY KEY);",
      down: "-- drops-data: table users\nDROP TABLE users;",
    };
    const merge: FixtureMigration = {
      tag: "0001_merge_names",
      sql: "ALTER TABLE users ADD COLUMN name text;",
      down: "-- irreversible: the names were merged into one column and cannot be split again\n",
    };
    const posts: FixtureMigration = { tag: "0002_posts", sql: "CREATE TABLE posts (id int PRIMARY KEY);" };
    await writeMigrations(folder, [users, merge, posts]);
    const down = (...args: string[]) => cli(fixtures.url, "--migrations-dir", folder, ...args);
    expect((await runCli(["up", "--database-url", fixtures.url, "--migrations-dir", folder])).code).toBe(0);
    const before = { ledgers: await ledgers(fixtures.url), schema: await schemaOf(fixtures.url) };

    const tooMany = await down("--steps", "4");
    const notApplied = await down("--to", "0009_nothing");
    const noDown = await down("--steps", "1");
    // A down file written after its migration was applied is accepted (none was recorded).
    await writeMigrations(folder, [users, merge, { ...posts, down: "DROP TABLE posts;" }]);
    const irreversible = await down("--to", users.tag, "--allow-data-loss");
    const refusals = { tooMany, notApplied, noDown, irreversible };
    expect(
      Object.fromEntries(Object.entries(refusals).map(([key, run]) => [key, [run.code, lines(run.stderr)]])),
    ).toEqual({
      tooMany: [2, ["Error: --steps 4 asks for more than the 3 applied migration(s): pass at most 3."]],
      notApplied: [
        2,
        ["Error: No migration named 0009_nothing: pass a name from the migrations folder (see migrator status)."],
      ],
      noDown: [
        2,
        [
          "Error: Migration 0002_posts has no down migration (0002_posts.down.sql), so nothing is rolled back: write one, or roll back to 0002_posts or later.",
        ],
      ],
      irreversible: [
        2,
        [
          "Error: Migration 0001_merge_names cannot be rolled back: the names were merged into one column and cannot be split again; nothing was rolled back (roll back to 0001_merge_names or later).",
        ],
      ],
    });
    expect({ ledgers: await ledgers(fixtures.url), schema: await schemaOf(fixtures.url) }).toEqual(before);
  }, 60_000);

  it("refuses when an applied migration or its down file was edited since it was applied (exit 4)", async () => {
    const folder = await tempDir();
    const users: FixtureMigration = {
      tag: "0000_users",
      sql: "CREATE TABLE users (id int PRIMARY KEY);",
      down: "DROP TABLE users;",
    };
    const name: FixtureMigration = {
      tag: "0001_users_name",
      sql: "ALTER TABLE users ADD COLUMN name text;",
      down: "-- drops-data: users.name\nALTER TABLE users DROP COLUMN name;",
    };
    await writeMigrations(folder, [users, name]);
    expect((await runCli(["up", "--database-url", integrity.url, "--migrations-dir", folder])).code).toBe(0);
    const before = await ledgers(integrity.url);
    const down = () => cli(integrity.url, "--migrations-dir", folder, "--steps", "1", "--allow-data-loss");

    await writeMigrations(folder, [users, { ...name, sql: "ALTER TABLE users ADD COLUMN name varchar(50);" }]);
    const editedUp = await down();
    expect([editedUp.code, lines(editedUp.stderr)]).toEqual([
      4,
      [
        "Error: Migration 0001_users_name was changed after it was applied: restore the applied version from version control and put the change in a new migration (pnpm db:generate).",
      ],
    ]);

    await writeMigrations(folder, [users, { ...name, down: "ALTER TABLE users DROP COLUMN name CASCADE;" }]);
    const editedDown = await down();
    expect([editedDown.code, lines(editedDown.stderr)]).toEqual([
      4,
      [
        "Error: The down migration of 0001_users_name (0001_users_name.down.sql) was changed after 0001_users_name was applied: restore the version it was applied with from version control.",
      ],
    ]);
    expect(await ledgers(integrity.url)).toEqual(before);

    await writeMigrations(folder, [users, name]);
    expect((await down()).code).toBe(0);
    expect((await ledgers(integrity.url)).names).toEqual([users.tag]);
  }, 60_000);
});
