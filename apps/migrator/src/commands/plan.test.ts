import { createRequire } from "node:module";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { migrate, readMigrations } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import { testConfig as config } from "../../test-fixtures/harness";
import { createReporter } from "../output";
import { plan, planCommand } from "./plan";

const quiet = createReporter(true, () => {});
const committed = await readMigrations(migrationsFolder);
const seedSchema = createRequire(import.meta.url).resolve("@devtools-sync/db/test/fixtures/seed-schema.sql");

const ledgerRows = (url: string) =>
  withClient(url, async (client) => (await client.query("SELECT name FROM migrator.applied_migrations")).rowCount);

describe("migrator plan", () => {
  it("prints the pending migrations' SQL in order, headed by name and transaction mode, and runs none of it (the lock report: lock-gate.test.ts)", async () => {
    const database = await createTestDatabase();
    await withClient(database.url, (client) =>
      migrate({ client, folder: migrationsFolder, to: "0001_add_checks_not_valid" }),
    );
    const result = await plan(config(database.url), quiet, undefined, "never");
    // Every committed migration after 0001 is pending; the first five read as follows.
    expect(result.migrations.map((m) => m.name)).toEqual(committed.slice(2).map((m) => m.name));
    expect(result.migrations.slice(0, 5).map((m) => [m.name, m.transactional])).toEqual([
      ["0002_enforce_not_null_and_value_sets", true],
      ["0003_keep_updated_at_current", true],
      ["0004_tune_indexes_for_hot_paths", false],
      ["0005_enforce_least_privilege", true],
      ["0006_add_reports_compliance_index", false],
    ]);
    const headers = result.sql.split("\n").filter((line) => line.startsWith("-- Migration "));
    expect(headers).toHaveLength(result.migrations.length);
    expect(headers.slice(0, 5)).toEqual([
      "-- Migration 0002_enforce_not_null_and_value_sets: runs in one transaction",
      "-- Migration 0003_keep_updated_at_current: runs in one transaction",
      "-- Migration 0004_tune_indexes_for_hot_paths: runs outside a transaction, each statement committing alone (CONCURRENTLY)",
      "-- Migration 0005_enforce_least_privilege: runs in one transaction",
      "-- Migration 0006_add_reports_compliance_index: runs outside a transaction, each statement committing alone (CONCURRENTLY)",
    ]);
    expect(result.sql).toContain('CREATE TRIGGER "users_set_updated_at" BEFORE UPDATE ON "users"');
    expect(result.sql).toContain('CREATE INDEX CONCURRENTLY "agents_group_id_last_heartbeat_idx"');
    expect(result.sql).not.toContain("statement-breakpoint");
    expect(result.sql.indexOf("0002_enforce")).toBeLessThan(result.sql.indexOf("0004_tune"));

    // Nothing ran: the ledger still has two rows and 0003's function does not exist.
    expect(await ledgerRows(database.url)).toBe(2);
    const fn = await withClient(database.url, (client) => client.query("SELECT to_regproc('set_updated_at') AS f"));
    expect(fn.rows[0].f).toBeNull();
  }, 60_000);

  it("stops after --to, says nothing is pending when up to date, and gives { migrations } with --json", async () => {
    const database = await createTestDatabase();
    const partial = await plan(config(database.url), quiet, "0001_add_checks_not_valid");
    expect(partial.migrations.map((m) => m.name)).toEqual(["0000_create_seed_schema", "0001_add_checks_not_valid"]);
    expect(partial.migrations[1]?.statements[0]).toMatch(/\nALTER TABLE "users" ADD CONSTRAINT "users_role_check"/);

    const lines: string[] = [];
    const code = await planCommand.run(
      config(database.url, true),
      createReporter(true, (_, line) => lines.push(line)),
      {},
    );
    expect(code).toBe(0);
    const result = JSON.parse(lines.at(-1) as string);
    expect(result.migrations).toHaveLength(committed.length);
    expect(result.migrations[4]).toMatchObject({ name: "0004_tune_indexes_for_hot_paths", transactional: false });
    expect(result.migrations[4].statements).toHaveLength(11);

    await withClient(database.url, (client) => migrate({ client, folder: migrationsFolder }));
    expect(await plan(config(database.url), quiet)).toEqual({ migrations: [], sql: "", locks: null, backfills: [] });
    await expect(plan(config(database.url), quiet, "0009_nope")).rejects.toMatchObject({ exitCode: 2 });
  }, 60_000);

  it("counts what drizzle's own tools recorded as applied, as up would, without writing anything", async () => {
    const database = await createTestDatabase();
    const { readFile } = await import("node:fs/promises");
    const [first] = committed;
    await withClient(database.url, async (client) => {
      await client.query(await readFile(seedSchema, "utf8"));
      await client.query(
        `CREATE SCHEMA drizzle;
         CREATE TABLE drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);`,
      );
      await client.query("INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)", [
        first?.hash,
        first?.createdAt,
      ]);
    });
    const result = await plan(config(database.url), quiet, undefined, "never");
    expect(result.migrations[0]?.name).toBe("0001_add_checks_not_valid");
    expect(result.migrations).toHaveLength(committed.length - 1);
    const ours = await withClient(database.url, (client) =>
      client.query("SELECT to_regclass('migrator.applied_migrations') AS t"),
    );
    expect(ours.rows[0].t).toBeNull();
  }, 60_000);
});
