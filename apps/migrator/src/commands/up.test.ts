import { randomBytes } from "node:crypto";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { describeSchema, readMigrations } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import { accessAttacks } from "../../test-fixtures/attacks";
import {
  ledgers,
  lines,
  parseJsonLines,
  runCli,
  startCli,
  tableExists,
  tempDir,
  writeMigrations,
} from "../../test-fixtures/harness";

// `migrator up` as a deploy pipeline runs it: the bundled CLI, its bundled migrations, a real database.

const database = createTestDatabase;
const [fresh, crowded, locked, concurrent, drifted, attacked, noCreatedb, stuck] = await Promise.all([
  database(),
  database(),
  database(),
  database(),
  database(),
  database(),
  database(),
  database(),
]);
const committed = (await readMigrations(migrationsFolder)).map((migration) => migration.name);

const snapshot = (url: string) =>
  withClient(url, async (client) => ({
    schema: await describeSchema(client),
    ledger: (await client.query("SELECT * FROM migrator.applied_migrations ORDER BY name")).rows,
    drizzle: (await client.query("SELECT * FROM drizzle.__drizzle_migrations ORDER BY id")).rows,
  }));

describe("migrator up", () => {
  it("applies every committed migration to an empty database, and a re-run applies nothing and changes nothing", async () => {
    const first = await runCli(["up", "--database-url", fresh.url]);
    expect(first.code).toBe(0);
    for (const name of committed) expect(first.stderr).toContain(`applied ${name}`);
    expect(first.stderr).toContain(`Applied ${committed.length} migration(s)`);
    expect(await ledgers(fresh.url)).toEqual({
      names: committed,
      finished: committed.map(() => true),
      drizzleRows: committed.length,
    });
    const before = await snapshot(fresh.url);

    const second = await runCli(["--database-url", fresh.url]); // `up` is the default command
    expect(second.code).toBe(0);
    expect(second.stderr.trim()).toBe(
      "Database is up to date; nothing to apply. Login roles: devtools_sync_service (devtools_sync_app), devtools_sync_reporting (devtools_sync_readonly), devtools_sync_operator (devtools_sync_admin).",
    );
    expect(await snapshot(fresh.url)).toEqual(before);
  }, 60_000);

  it("applies each migration exactly once when 8 migrators start at once", async () => {
    const runs = await Promise.all(
      Array.from({ length: 8 }, () => runCli(["up", "--json", "--database-url", crowded.url])),
    );
    expect(runs.map((run) => [run.code, run.code === 0 ? "" : run.stdout + run.stderr])).toEqual(
      Array(8).fill([0, ""]),
    );
    const appliedByRun = runs.map((run) => {
      const result = parseJsonLines(run.stdout).find((event) => event.type === "result");
      return result?.applied as string[];
    });
    expect(appliedByRun.flat().sort()).toEqual([...committed].sort());
    expect(await ledgers(crowded.url)).toEqual({
      names: committed,
      finished: committed.map(() => true),
      drizzleRows: committed.length,
    });
    const distinct = await withClient(crowded.url, (client) =>
      client.query("SELECT count(DISTINCT created_at)::int AS n FROM drizzle.__drizzle_migrations"),
    );
    expect(distinct.rows[0].n).toBe(committed.length);
  }, 60_000);

  it("builds the indexes of a CREATE INDEX CONCURRENTLY migration outside a transaction, valid and once", async () => {
    const folder = await writeMigrations(await tempDir(), [
      {
        tag: "0000_events",
        sql: `CREATE TABLE events (id serial PRIMARY KEY, kind text NOT NULL, at timestamptz NOT NULL DEFAULT now());
--> statement-breakpoint
INSERT INTO events (kind) SELECT 'k' || (g % 7) FROM generate_series(1, 500) g;`,
      },
      {
        tag: "0001_index_events",
        sql: `-- Hot path: events by kind, newest first.
CREATE INDEX CONCURRENTLY "events_kind_at_idx" ON "events" USING btree ("kind", "at");
--> statement-breakpoint
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS events_id_kind_key ON events (id, kind);`,
      },
    ]);
    const run = await runCli(["up", "--json", "--database-url", concurrent.url, "--migrations-dir", folder]);
    expect(run.code).toBe(0);
    const starts = parseJsonLines(run.stdout).filter((event) => event.type === "migration-start");
    expect(starts.map((event) => [event.name, event.transactional])).toEqual([
      ["0000_events", true],
      ["0001_index_events", false],
    ]);
    const indexes = await withClient(concurrent.url, (client) =>
      client.query(
        "SELECT c.relname AS name, x.indisvalid AS valid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = 'events'::regclass ORDER BY 1",
      ),
    );
    expect(indexes.rows).toEqual([
      { name: "events_id_kind_key", valid: true },
      { name: "events_kind_at_idx", valid: true },
      { name: "events_pkey", valid: true },
    ]);
    expect(await ledgers(concurrent.url)).toEqual({
      names: ["0000_events", "0001_index_events"],
      finished: [true, true],
      drizzleRows: 2,
    });
  }, 60_000);

  it("backs off while a long transaction holds a table, lets the application's queries through, and lands after", async () => {
    const dir = await tempDir();
    const orders = {
      tag: "0000_orders",
      sql: "CREATE TABLE orders (id serial PRIMARY KEY, total int NOT NULL);\n--> statement-breakpoint\nINSERT INTO orders (total) VALUES (10), (20);",
    };
    const note = { tag: "0001_orders_note", sql: "ALTER TABLE orders ADD COLUMN note text;" };
    const args = ["up", "--json", "--lock-timeout", "200", "--database-url", locked.url, "--migrations-dir", dir];
    await writeMigrations(dir, [orders]);
    expect((await runCli(args)).code).toBe(0);
    await writeMigrations(dir, [orders, note]);

    await withClient(locked.url, async (longTransaction) => {
      // A report that keeps reading orders in one long transaction: ALTER TABLE must wait for it.
      await longTransaction.query("BEGIN");
      await longTransaction.query("SELECT * FROM orders");
      const migrator = startCli(args);
      const retry = await migrator.waitForEvent((event) => event.type === "lock-timeout-retry");
      expect(retry).toMatchObject({ name: "0001_orders_note", attempt: 1 });

      // The application keeps reading the table while the migrator waits its turn.
      const app = await withClient(locked.url, (client) => client.query("SELECT sum(total)::int AS sum FROM orders"));
      expect(app.rows[0].sum).toBe(30);
      expect(await ledgers(locked.url)).toMatchObject({ names: ["0000_orders"] });

      await longTransaction.query("COMMIT");
      const run = await migrator.exited;
      expect(run.code).toBe(0);
      expect(parseJsonLines(run.stdout).find((event) => event.type === "result")).toMatchObject({
        applied: ["0001_orders_note"],
      });
    });
    const column = await withClient(locked.url, (client) =>
      client.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'"),
    );
    expect(column.rowCount).toBe(1);
    expect(await ledgers(locked.url)).toEqual({
      names: ["0000_orders", "0001_orders_note"],
      finished: [true, true],
      drizzleRows: 2,
    });
    expect(await tableExists(locked.url, "orders")).toBe(true);
  }, 60_000);
});

describe("migrator up behind a lock that is never released", () => {
  it("gives up after --lock-retries with exit 1, saying what to look for, and applies nothing", async () => {
    const dir = await tempDir();
    const orders = { tag: "0000_orders", sql: "CREATE TABLE orders (id serial PRIMARY KEY);" };
    const note = { tag: "0001_orders_note", sql: "ALTER TABLE orders ADD COLUMN note text;" };
    const args = ["--lock-timeout", "100", "--lock-retries", "1", "--database-url", stuck.url, "--migrations-dir", dir];
    await writeMigrations(dir, [orders]);
    expect((await runCli(["up", ...args])).code).toBe(0);
    await writeMigrations(dir, [orders, note]);
    await withClient(stuck.url, async (longTransaction) => {
      await longTransaction.query("BEGIN; SELECT * FROM orders;");
      const run = await runCli(["up", ...args]);
      await longTransaction.query("ROLLBACK");
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([
        expect.stringMatching(/^In the way of the pending migrations: pid \d+ \(.*holds ACCESS SHARE on orders\)/),
        expect.stringContaining("0001_orders_note: a table is locked by another transaction; retry 1"),
        expect.stringMatching(
          /^Error: Migration 0001_orders_note failed at statement 1 of 1: .*lock timeout.*a table stayed locked through 1 retries: find the long transaction holding it \(pg_stat_activity\) and run again\. In the way now: pid \d+ \(.*idle in transaction.*holds ACCESS SHARE on orders\)\.$/,
        ),
      ]);
    });
    expect((await ledgers(stuck.url)).names).toEqual(["0000_orders"]);
  }, 60_000);
});

describe("migrator up, then the schema comparison", () => {
  const before = committed.at(-2) as string;
  const last = committed.at(-1) as string;

  it("after applying to a database that was not empty, compares its schema with the migrations' and exits 4 naming each difference", async () => {
    expect((await runCli(["up", "--to", before, "--database-url", drifted.url])).code).toBe(0);
    // A hand-made change the migrations know nothing about.
    await withClient(drifted.url, (client) => client.query("ALTER TABLE users ADD COLUMN nickname text"));

    const run = await runCli(["up", "--database-url", drifted.url]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`applied ${last}`);
    expect(run.stderr).toContain(`Schema drift: 1 difference(s) from the migrations up to ${last}:`);
    expect(run.stderr).toMatch(/nickname/);
    expect((await ledgers(drifted.url)).names).toEqual(committed);

    // A no-op run does not compare unless asked to; --verify always does, and --json carries the differences.
    expect((await runCli(["up", "--database-url", drifted.url])).code).toBe(0);
    const always = await runCli(["up", "--json", "--verify", "always", "--database-url", drifted.url]);
    expect(always.code).toBe(4);
    const result = parseJsonLines(always.stdout).find((event) => event.type === "result");
    expect(result).toMatchObject({ command: "up", applied: [], verified: { through: last } });
    const verified = result?.verified as { differences: string[] } | undefined;
    expect(verified?.differences).toEqual([expect.stringMatching(/nickname/)]);
    expect((await runCli(["up", "--verify", "never", "--database-url", drifted.url])).code).toBe(0);
  }, 60_000);

  it("names each change to privileges, row-level security, policies and triggers made before it ran, and exits 4", async () => {
    expect((await runCli(["up", "--to", before, "--database-url", attacked.url])).code).toBe(0);
    const attacks = accessAttacks(decodeURIComponent(new URL(attacked.url).username));
    await withClient(attacked.url, (client) => client.query(attacks.map((attack) => attack.sql).join(";\n")));

    const run = await runCli(["up", "--json", "--database-url", attacked.url]);
    expect(run.code).toBe(4);
    const result = parseJsonLines(run.stdout).find((event) => event.type === "result");
    expect(result).toMatchObject({ command: "up", applied: [last] });
    const verified = result?.verified as { differences: string[] };
    expect([...verified.differences].sort()).toEqual(attacks.map((attack) => attack.difference).sort());
  });

  it("refuses an unknown --verify mode in one line, before connecting", async () => {
    const run = await runCli(["up", "--verify", "sometimes", "--database-url", "postgres://nobody@127.0.0.1:1/none"]);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      'Error: --verify must be one of auto, always, never, not "sometimes": see migrator --help.',
    ]);
  });

  it("decides before applying when the role may not create the scratch database: --verify always refuses, auto warns and applies (exit 0)", async () => {
    const role = `up_${randomBytes(4).toString("hex")}`;
    const password = randomBytes(8).toString("hex");
    await withClient(noCreatedb.url, (client) =>
      client.query(
        // As a DBA provisions a migrator without CREATEROLE: 0008 hands purge_audit_log to devtools_sync_audit_purger,
        // 0026 the compliance functions to devtools_sync_compliance.
        `CREATE ROLE ${role} LOGIN NOCREATEDB PASSWORD '${password}'; ALTER DATABASE "${noCreatedb.name}" OWNER TO ${role};
         DO $$ BEGIN CREATE ROLE devtools_sync_audit_purger NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
         DO $$ BEGIN CREATE ROLE devtools_sync_compliance NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
         GRANT devtools_sync_audit_purger, devtools_sync_compliance TO ${role};`,
      ),
    );
    try {
      const url = new URL(noCreatedb.url);
      url.username = role;
      url.password = password;
      expect((await runCli(["up", "--to", before, "--database-url", url.toString()])).code).toBe(0);
      const appliedBefore = (await ledgers(noCreatedb.url)).names;

      const always = await runCli(["up", "--verify", "always", "--database-url", url.toString()]);
      expect(always.code).toBe(2);
      expect(lines(always.stderr)).toEqual([
        expect.stringMatching(/^Error: --verify always compares .* may not create databases: .*Nothing was applied\.$/),
      ]);
      expect((await ledgers(noCreatedb.url)).names).toEqual(appliedBefore);

      const run = await runCli(["up", "--database-url", url.toString()]);
      expect(run.code).toBe(0);
      const output = lines(run.stderr);
      // (A pending migration that names two tables adds a warning of its own: its locks went unmeasured.)
      const warning = output.findIndex((line) => line.includes("so the schema will not be compared"));
      expect(output[warning]).toMatch(
        new RegExp(`^Warning: ${role} may not create databases \\(CREATEDB\\), so the schema will not be compared`),
      );
      expect(warning).toBeLessThan(output.findIndex((line) => line.includes(`applied ${last}`)));
      expect(run.stderr).not.toContain(password);
      expect((await ledgers(noCreatedb.url)).names).toEqual(committed);
    } finally {
      await withClient(noCreatedb.url, (client) =>
        client.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER; DROP OWNED BY ${role}; DROP ROLE ${role};`),
      );
    }
  }, 60_000);
});
