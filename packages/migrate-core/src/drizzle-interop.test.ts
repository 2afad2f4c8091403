import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as drizzleMigrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { describeSchema } from "./catalog";
import type { MigrationEvent } from "./events";
import { readMigrations } from "./journal";
import { migrate } from "./migrate";
import { writeMigrationsFolder } from "./testing";

// Teams keep using drizzle-kit migrate / drizzle-orm migrate() next to this migrator: each must
// see the other's work as applied, never apply a migration twice, and never fail on it.

const committedMigrations = fileURLToPath(new URL("../../db/migrations", import.meta.url));
const [ours, theirs] = await Promise.all([createTestDatabase(), createTestDatabase()]);

async function withDrizzle(url: string, folder: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await drizzleMigrate(drizzle(pool), { migrationsFolder: folder });
  } finally {
    await pool.end();
  }
}

const state = (url: string) =>
  withClient(url, async (client) => ({
    schema: await describeSchema(client),
    ledger: (await client.query("SELECT name, hash, finished FROM migrator.applied_migrations ORDER BY created_at"))
      .rows,
    drizzle: (await client.query("SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at")).rows,
  }));

async function fixtureFolder(migrations: { tag: string; sql: string }[]): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "migrate-core-interop-"));
  afterAll(() => rm(folder, { recursive: true, force: true }));
  await writeMigrationsFolder(folder, migrations);
  return folder;
}

describe("drizzle interop", () => {
  it("drizzle-orm's migrate() applies nothing, and does not fail, on a database this migrator migrated", async () => {
    const result = await withClient(ours.url, (client) => migrate({ client, folder: committedMigrations }));
    expect(result.applied).toHaveLength((await readMigrations(committedMigrations)).length);
    const before = await state(ours.url);
    await withDrizzle(ours.url, committedMigrations);
    expect(await state(ours.url)).toEqual(before);
  });

  it("takes over a database drizzle-orm's migrate() migrated: nothing re-applied, later migrations applied", async () => {
    const first = [
      {
        tag: "0000_users",
        sql: 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text NOT NULL);\n--> statement-breakpoint\nINSERT INTO "users" ("email") VALUES (\'a@example.com\');',
      },
      { tag: "0001_users_name", sql: 'ALTER TABLE "users" ADD COLUMN "name" text;' },
    ];
    const later = { tag: "0002_users_email_idx", sql: 'CREATE UNIQUE INDEX "users_email_idx" ON "users" ("email");' };
    const folder = await fixtureFolder(first);
    await withDrizzle(theirs.url, folder);

    await writeMigrationsFolder(folder, [...first, later]);
    const events: MigrationEvent[] = [];
    const result = await withClient(theirs.url, (client) =>
      migrate({ client, folder, onEvent: (event) => events.push(event) }),
    );
    expect(events).toContainEqual({ type: "adopted", names: ["0000_users", "0001_users_name"] });
    expect(result.applied).toEqual(["0002_users_email_idx"]);
    const after = await state(theirs.url);
    expect(after.ledger.map((row) => [row.name, row.finished])).toEqual([
      ["0000_users", true],
      ["0001_users_name", true],
      ["0002_users_email_idx", true],
    ]);
    expect(after.drizzle).toHaveLength(3);
    expect(Object.keys(after.schema.tables.users?.indexes ?? {}).sort()).toEqual(["users_email_idx", "users_pkey"]);
    // The seed row was inserted once: 0000 was not run again.
    const users = await withClient(theirs.url, (client) => client.query("SELECT count(*)::int AS n FROM users"));
    expect(users.rows[0].n).toBe(1);

    // And back: drizzle's own migrate() now finds nothing to do.
    await withDrizzle(theirs.url, folder);
    expect(await state(theirs.url)).toEqual(after);
  });
});
