import { readdir } from "node:fs/promises";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as drizzleMigrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { describeSchema } from "./catalog";
import { MigrateError } from "./errors";
import type { MigrationEvent } from "./events";
import { withMigrationLock } from "./lock";
import { migrate } from "./migrate";
import { rollback } from "./rollback";
import { runsInTransaction, splitStatements } from "./statements";
import { status } from "./status";
import { fixtureFolder } from "./testing";

// rollback() under the same rules as migrate(): drizzle's ledger agrees afterwards, the migration
// lock is shared, lock_timeout is retried, and a CONCURRENTLY down migration cut off halfway resumes.

const [interop, resumed, locked, older] = await Promise.all([
  createTestDatabase(),
  createTestDatabase(),
  createTestDatabase(),
  createTestDatabase(),
]);

interface Fixture {
  tag: string;
  sql: string;
  down: string;
}

const users: Fixture = {
  tag: "0000_users",
  sql: 'CREATE TABLE "users" ("id" int PRIMARY KEY, "email" text);',
  down: '-- drops-data: table users\nDROP TABLE "users";',
};
const name: Fixture = {
  tag: "0001_users_name",
  sql: 'ALTER TABLE "users" ADD COLUMN "name" text;',
  down: '-- drops-data: column users.name\nALTER TABLE "users" DROP COLUMN "name";',
};
const emailIndex: Fixture = {
  tag: "0002_users_email_idx",
  sql: 'CREATE INDEX "users_email_idx" ON "users" ("email");',
  down: 'DROP INDEX "users_email_idx";',
};
const concurrentIndexes: Fixture = {
  tag: "0003_users_name_indexes",
  sql: 'CREATE INDEX CONCURRENTLY "users_name_idx" ON "users" ("name");\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "users_lower_name_idx" ON "users" (lower("name"));',
  down: 'DROP INDEX CONCURRENTLY "users_lower_name_idx";\n--> statement-breakpoint\nDROP INDEX CONCURRENTLY "users_name_idx";',
};

async function folderOf(migrations: Fixture[]): Promise<string> {
  const folder = await fixtureFolder(migrations);
  expect((await readdir(folder)).length).toBe(migrations.length * 2 + 1);
  return folder;
}

const state = (client: pg.ClientBase) =>
  Promise.all([
    describeSchema(client),
    client.query("SELECT name, finished FROM migrator.applied_migrations ORDER BY created_at").then((r) => r.rows),
    client.query("SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at").then((r) => r.rows),
  ]);

async function withDrizzle(url: string, folder: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await drizzleMigrate(drizzle(pool), { migrationsFolder: folder });
  } finally {
    await pool.end();
  }
}

describe("rollback", () => {
  it("leaves drizzle's ledger agreeing: drizzle-orm's migrate() re-applies exactly the rolled-back migrations", async () => {
    const folder = await folderOf([users, name, emailIndex]);
    const afterUp = await withClient(interop.url, async (client) => {
      await migrate({ client, folder });
      await client.query("INSERT INTO users (id, email, name) VALUES (1, 'a@example.com', 'A')");
      const after = await state(client);
      expect(await rollback({ client, folder, steps: 2, allowDataLoss: true })).toEqual({
        rolledBack: [emailIndex.tag, name.tag],
      });
      return after;
    });

    await withDrizzle(interop.url, folder);
    await withClient(interop.url, async (client) => {
      const [schema, , drizzleRows] = await state(client);
      expect([schema, drizzleRows]).toEqual([afterUp[0], afterUp[2]]);
      // users was not created twice: its row is still there.
      expect((await client.query("SELECT count(*)::int AS n FROM users")).rows[0].n).toBe(1);

      // And this migrator takes the re-applied ones over from drizzle's ledger, applying nothing.
      const events: MigrationEvent[] = [];
      expect(await migrate({ client, folder, onEvent: (event) => events.push(event) })).toEqual({
        applied: [],
        held: null,
        backfilled: [],
        startedEmpty: false,
      });
      expect(events).toContainEqual({ type: "adopted", names: [name.tag, emailIndex.tag] });
      expect(await state(client)).toEqual(afterUp);
    });
  });

  it("resumes a CONCURRENTLY down migration cut off halfway where it stopped, and up refuses to run until it is finished", async () => {
    const folder = await folderOf([users, name, concurrentIndexes]);
    await withClient(resumed.url, async (client) => {
      await migrate({ client, folder });
      // The second down statement fails because its index is already gone; the first one committed.
      await client.query('DROP INDEX "users_name_idx"');
      const failed = await rollback({ client, folder, steps: 1 }).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(MigrateError);
      expect((failed as MigrateError).message).toMatch(
        /^Rolling back 0003_users_name_indexes failed at statement 2 of 2: index "users_name_idx" does not exist/,
      );
      const up = await migrate({ client, folder }).catch((error: unknown) => error);
      expect(up).toMatchObject({ code: "partly-rolled-back", exitCode: 4 });
      const keepIt = await rollback({ client, folder, to: concurrentIndexes.tag }).catch((error: unknown) => error);
      expect(keepIt).toMatchObject({ code: "partly-rolled-back", exitCode: 4 });

      // Fixed (the index is back); the re-run starts at statement 2, which the first would fail before.
      await client.query('CREATE INDEX "users_name_idx" ON "users" ("name")');
      const events: MigrationEvent[] = [];
      await rollback({ client, folder, steps: 1, onEvent: (event) => events.push(event) });
      expect(events).toContainEqual({
        type: "rollback-start",
        name: concurrentIndexes.tag,
        transactional: false,
        resumeAt: 1,
      });
      const indexes = Object.keys((await describeSchema(client)).tables.users?.indexes ?? {});
      expect(indexes).toEqual(["users_pkey"]);
      expect((await migrate({ client, folder })).applied).toEqual([concurrentIndexes.tag]);
    });
  });

  it("waits for the migration lock, and retries a statement that hit lock_timeout", async () => {
    const folder = await folderOf([users, name]);
    await withClient(locked.url, (client) => migrate({ client, folder }));
    await withClient(locked.url, async (holder) => {
      await withClient(locked.url, async (client) => {
        const events: MigrationEvent[] = [];
        let release = () => {};
        let acquired = () => {};
        const holding = new Promise<void>((resolve) => (acquired = resolve));
        const held = withMigrationLock(
          holder,
          () => {},
          () =>
            new Promise<void>((resolve) => {
              release = resolve;
              acquired();
            }),
        );
        await holding;
        const running = rollback({
          client,
          folder,
          steps: 1,
          allowDataLoss: true,
          lockTimeoutMs: 50,
          onEvent: (event) => {
            events.push(event);
            // Once it waits for the migration lock: hand the lock over but hold the table.
            if (event.type === "lock-wait") {
              void holder
                .query("BEGIN")
                .then(() => holder.query("LOCK TABLE users IN ACCESS SHARE MODE"))
                .then(() => release());
            }
            if (event.type === "lock-timeout-retry") void held.then(() => holder.query("COMMIT"));
          },
        });
        expect(await running).toEqual({ rolledBack: [name.tag] });
        const types = events.map((event) => event.type);
        // The table may stay locked through more than one retry on a busy machine.
        expect([types[0], types[1], types[2], types.at(-1)]).toEqual([
          "lock-wait",
          "rollback-start",
          "lock-timeout-retry",
          "rollback-done",
        ]);
      });
    });
  });

  it("runs a down file whose only CONCURRENTLY is in a block comment in one transaction, as the lint judges it: a failure keeps everything", async () => {
    // The migrator used to see CONCURRENTLY in the comment and commit statement by statement,
    // while the lint (and Squawk) judged the same file as one transaction.
    const commented: Fixture = {
      ...emailIndex,
      down: '/* Small table: no CONCURRENTLY needed. */\nDROP INDEX "users_email_idx";\n--> statement-breakpoint\nDROP TABLE "no_such_table";',
    };
    expect(runsInTransaction(splitStatements(commented.down))).toBe(true);
    const folder = await folderOf([users, commented]);
    const database = await createTestDatabase();
    await withClient(database.url, async (client) => {
      await migrate({ client, folder });
      const events: MigrationEvent[] = [];
      const failed = await rollback({ client, folder, steps: 1, onEvent: (event) => events.push(event) }).catch(
        (error: unknown) => error,
      );
      expect((failed as MigrateError).message).toMatch(/^Rolling back 0002_users_email_idx failed at statement 2 of 2/);
      expect(events).toContainEqual({ type: "rollback-start", name: commented.tag, transactional: true, resumeAt: 0 });
      // The first DROP INDEX was rolled back with the failure: nothing half-done, and up sees it applied.
      expect(Object.keys((await describeSchema(client)).tables.users?.indexes ?? {})).toContain("users_email_idx");
      expect((await migrate({ client, folder })).applied).toEqual([]);
    });
  });

  it("rolls back on a ledger written before down migrations existed, trusting the down files it finds", async () => {
    const folder = await folderOf([users, name]);
    await withClient(older.url, async (client) => {
      await migrate({ client, folder });
      await client.query(
        "ALTER TABLE migrator.applied_migrations DROP COLUMN down_hash, DROP COLUMN statements_reverted",
      );
      expect((await status({ client, folder })).applied.map((m) => m.name)).toEqual([users.tag, name.tag]);
      expect(await rollback({ client, folder, steps: 1, allowDataLoss: true })).toEqual({ rolledBack: [name.tag] });
      expect((await migrate({ client, folder })).applied).toEqual([name.tag]);
      const { rows } = await client.query(
        "SELECT name, down_hash IS NOT NULL AS recorded FROM migrator.applied_migrations",
      );
      expect(rows).toEqual([
        { name: users.tag, recorded: false },
        { name: name.tag, recorded: true },
      ]);
    });
  });
});
