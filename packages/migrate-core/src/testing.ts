import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabaseFrom, type TestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as drizzleOrmMigrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { describeSchema } from "./catalog";
import { MigrateError } from "./errors";
import { readMigrations } from "./journal";
import { migrate } from "./migrate";

// What the tests of anything that reads migrations share: fixture folders in drizzle-kit's layout
// (benches use them too), temporary folders, migrated test databases, drizzle-orm's own migrate(),
// and the refusal a test expects. Only tests and benches import this module.

/**
 * A fresh database for one test file with every migration of `folder` applied (dropped after the
 * file): a copy of a database migrated once per test run and set of migrations, which is what
 * applying them again would give (the ledger included) in a fraction of the time.
 */
export async function createMigratedTestDatabase(folder: string): Promise<TestDatabase> {
  const migrations = await readMigrations(folder);
  const digest = createHash("sha256");
  for (const { name, createdAt, hash } of migrations) digest.update(`${name} ${createdAt} ${hash}\n`);
  return createTestDatabaseFrom(`migrated_${digest.digest("hex").slice(0, 16)}`, (url) =>
    withClient(url, async (client) => {
      await migrate({ client, folder });
    }),
  );
}

/** Runs drizzle-orm's own migrate() on `folder`, as teams using drizzle-kit migrate next to this migrator do. */
export async function drizzleMigrate(url: string, folder: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await drizzleOrmMigrate(drizzle(pool), { migrationsFolder: folder });
  } finally {
    await pool.end();
  }
}

/** The schema and what both ledgers (this migrator's and drizzle's) hold: unchanged by a run that applies nothing. */
export const migrationState = (url: string) =>
  withClient(url, async (client) => ({
    schema: await describeSchema(client),
    ledger: (await client.query("SELECT name, hash, finished FROM migrator.applied_migrations ORDER BY created_at"))
      .rows,
    drizzle: (await client.query("SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at")).rows,
  }));

/** One migration of a fixture folder. */
export interface FixtureMigration {
  tag: string;
  sql: string;
  /** Journal `when`; defaults to a fixed date plus one second per position. */
  when?: number;
  /** The down migration (`<tag>.down.sql`); none when absent. */
  down?: string;
}

/** Writes `migrations` into `folder` as drizzle-kit would (replacing any `.sql` there); returns `folder`. */
export async function writeMigrationsFolder(folder: string, migrations: FixtureMigration[]): Promise<string> {
  await mkdir(join(folder, "meta"), { recursive: true });
  for (const file of await readdir(folder)) {
    if (file.endsWith(".sql")) await rm(join(folder, file));
  }
  const entries = migrations.map((migration, idx) => ({
    idx,
    version: "7",
    when: migration.when ?? 1_700_000_000_000 + idx * 1_000,
    tag: migration.tag,
    breakpoints: true,
  }));
  await writeFile(
    join(folder, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries }, null, 2),
  );
  for (const migration of migrations) {
    await writeFile(join(folder, `${migration.tag}.sql`), migration.sql);
    if (migration.down !== undefined) await writeFile(join(folder, `${migration.tag}.down.sql`), migration.down);
  }
  return folder;
}

/** A fresh temporary folder, removed after the test that asked for it (or the file, asked outside a test). */
export async function temporaryFolder(): Promise<string> {
  // Imported here, so that benches writing fixture folders load no test runner.
  const { afterAll, onTestFinished } = await import("vitest");
  const folder = await mkdtemp(join(tmpdir(), "migrations-test-"));
  const remove = () => rm(folder, { recursive: true, force: true });
  try {
    onTestFinished(remove); // a hook registered while a test runs would never run
  } catch {
    afterAll(remove);
  }
  return folder;
}

/** `migrations` written as drizzle-kit would into a fresh temporary folder (removed after the test file). */
export async function fixtureFolder(migrations: FixtureMigration[]): Promise<string> {
  return writeMigrationsFolder(await temporaryFolder(), migrations);
}

/** The MigrateError `run` refuses with, thrown or as a rejected promise; fails the test when it does not refuse. */
export async function refusal(run: () => unknown): Promise<MigrateError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof MigrateError) return error;
    throw error;
  }
  throw new Error("expected a refusal (a MigrateError), but it succeeded");
}

/**
 * The scale-1 lock cycle in miniature: `agentsAndReports` (reports reference agents, one agent),
 * then `checksOnAgentsThenReports`, a migration each of whose statements is catalog-only and safe,
 * but which holds ACCESS EXCLUSIVE on agents while asking for it on reports.
 */
export const lockCycleFixture = {
  agentsAndReports: {
    tag: "0000_agents_and_reports",
    sql: [
      'CREATE TABLE "agents" ("id" integer PRIMARY KEY, "last_sync" timestamptz);',
      'CREATE TABLE "reports" ("id" serial PRIMARY KEY, "agent_id" integer NOT NULL REFERENCES "agents" ("id"));',
      'INSERT INTO "agents" ("id") VALUES (1);',
    ].join("\n--> statement-breakpoint\n"),
  },
  checksOnAgentsThenReports: {
    tag: "0001_checks_on_agents_then_reports",
    sql: [
      'ALTER TABLE "agents" ADD CONSTRAINT "agents_id_check" CHECK ("id" > 0) NOT VALID;',
      'ALTER TABLE "reports" ADD CONSTRAINT "reports_id_check" CHECK ("id" > 0) NOT VALID;',
    ].join("\n--> statement-breakpoint\n"),
  },
} satisfies Record<string, FixtureMigration>;
