import { migrationsFolder } from "@devtools-sync/db/migrations";
import { startThrowawayPostgres } from "@devtools-sync/local-postgres";
import { createTestDatabase, databaseUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { readMigrations } from "@devtools-sync/migrate-core";
import { afterAll, describe, expect, it } from "vitest";
import { ledgers, lines, runCli } from "../test-fixtures/harness";
import { replayed, startStandby } from "../test-fixtures/standby";

// A deploy pointed at a server that takes no writes (a hot standby, a database set read-only) is
// told so in one line with exit 2 before anything runs, while the read-only commands still work.

const [first, ...rest] = (await readMigrations(migrationsFolder)).map((migration) => migration.name);

/** The one line of a refusal, after any "waiting for the database" notice. */
function refusal(stderr: string): string[] {
  return lines(stderr).filter((line) => !line.startsWith("Waiting for "));
}

describe("a hot standby streaming from the primary", async () => {
  const primary = await startThrowawayPostgres();
  await withClient(primary.url, (client) => client.query("CREATE DATABASE app"));
  const onPrimary = databaseUrl(primary.url, "app");
  expect((await runCli(["up", "--to", first as string, "--database-url", onPrimary])).code).toBe(0);
  const standby = await startStandby(primary.url);
  const onStandby = databaseUrl(standby.url, "app");
  afterAll(async () => {
    await standby.stop();
    await primary.stop();
  });

  it("refuses up, down, baseline, verify and seed in one line each, exit 2, and nothing changes", async () => {
    for (const args of [
      ["up"],
      ["down", "--steps", "1"],
      ["baseline", "--to", first as string],
      ["verify"],
      ["seed", "--force"],
    ]) {
      const run = await runCli([...args, "--database-url", onStandby]);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(refusal(run.stderr)).toEqual([
        expect.stringMatching(
          /^Error: postgres@localhost:\d+\/app is a hot standby \(read-only replica\), and .*: point DATABASE_URL at the primary/,
        ),
      ]);
    }
    expect((await ledgers(onPrimary)).names).toEqual([first]);
  });

  it("answers status (exit 3 while migrations are pending) and plan, as on the primary", async () => {
    const status = await runCli(["status", "--database-url", onStandby]);
    expect(status.code).toBe(3);
    expect(lines(status.stderr)).toEqual([
      `1 applied, ${rest.length} pending.`,
      `  applied  ${first}`,
      ...rest.map((name) => `  pending  ${name}`),
    ]);
    const plan = await runCli(["plan", "--database-url", onStandby]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`-- Migration ${rest[0]}: `);
    expect(plan.stderr).toContain("the lock plan was not measured");

    expect((await runCli(["up", "--database-url", onPrimary])).code).toBe(0);
    await replayed(primary.url, standby);
    expect((await runCli(["status", "--database-url", onStandby])).code).toBe(0);
  });
});

describe("a database with default_transaction_read_only on", async () => {
  const database = await createTestDatabase();
  await withClient(database.url, (client) =>
    client.query(`ALTER DATABASE "${database.name}" SET default_transaction_read_only = on`),
  );

  it("refuses up in one line, exit 2, having created nothing; status still answers", async () => {
    const run = await runCli(["up", "--database-url", database.url]);
    expect(run.code).toBe(2);
    expect(refusal(run.stderr)).toEqual([
      expect.stringMatching(
        /^Error: \S+ is read-only \(default_transaction_read_only is on for this role or database\), and up applies migrations: /,
      ),
    ]);
    expect(await ledgers(database.url)).toEqual({ names: [], finished: [], drizzleRows: 0 });
    expect((await runCli(["status", "--database-url", database.url])).code).toBe(3);
  });
});
