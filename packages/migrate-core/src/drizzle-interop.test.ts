import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { describe, expect, it } from "vitest";
import type { MigrationEvent } from "./events";
import { migrate } from "./migrate";
import { drizzleMigrate, fixtureFolder, migrationState, writeMigrationsFolder } from "./testing";

// Teams keep using drizzle-kit migrate / drizzle-orm migrate() next to this migrator: each must
// see the other's work as applied, never apply a migration twice, and never fail on it. (The
// committed migrations of packages/db make the round trip in tooling/db-tools' tests.)
const theirs = await createTestDatabase();

describe("drizzle interop", () => {
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
    await drizzleMigrate(theirs.url, folder);

    await writeMigrationsFolder(folder, [...first, later]);
    const events: MigrationEvent[] = [];
    const result = await withClient(theirs.url, (client) =>
      migrate({ client, folder, onEvent: (event) => events.push(event) }),
    );
    expect(events).toContainEqual({ type: "adopted", names: ["0000_users", "0001_users_name"] });
    expect(result.applied).toEqual(["0002_users_email_idx"]);
    const after = await migrationState(theirs.url);
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
    await drizzleMigrate(theirs.url, folder);
    expect(await migrationState(theirs.url)).toEqual(after);
  });
});
