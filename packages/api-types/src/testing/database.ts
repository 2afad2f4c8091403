import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import type { Table } from "drizzle-orm";
import { eq, getTableColumns } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type { PgTable } from "drizzle-orm/pg-core";
import pg from "pg";
import { afterAll } from "vitest";

type Row = Record<string, unknown>;

/** What PostgreSQL (or drizzle, before sending) said when it refused a statement. */
export interface Refusal {
  /** SQLSTATE, e.g. `23502` not_null_violation; undefined when drizzle refused before sending. */
  code: string | undefined;
  message: string;
}

/** The outcome of one statement run inside a transaction that is always rolled back. */
export type Attempt =
  | { stored: Record<string, unknown>; refusal?: undefined }
  | { stored?: undefined; refusal: Refusal };

/** A migrated database of this test file's own, and drizzle on one connection to it. */
export interface TestDatabase {
  db: NodePgDatabase;
  /** Inserts `rows` (one or many) and returns the first stored row, then rolls back: the database stays as it was. */
  tryInsert(table: Table, rows: Row | Row[]): Promise<Attempt>;
  /** Inserts `row`, updates it by `patch` and returns the result, then rolls back. */
  tryUpdate(table: Table, row: Record<string, unknown>, patch: Record<string, unknown>): Promise<Attempt>;
}

/** Inserts `rows` (one or many), returning the first stored row. */
export async function insertRow(db: NodePgDatabase, table: Table, rows: Row | Row[]) {
  const [stored] = await db
    .insert(table as PgTable)
    .values(rows)
    .returning();
  if (!stored) throw new Error("the insert returned no row");
  return stored as Record<string, unknown>;
}

function refusalOf(error: unknown): Refusal {
  // drizzle wraps the driver's error in DrizzleQueryError; its cause carries the SQLSTATE.
  const cause = (error as { cause?: unknown }).cause ?? error;
  const { code, message } = cause as { code?: string; message: string };
  return { code, message };
}

/** Creates the file's database (dropped after its tests) with every migration applied. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const { url } = await createMigratedTestDatabase(migrationsFolder);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  afterAll(() => client.end());
  const db = drizzle({ client, casing: "snake_case" });

  async function attempt(statement: () => Promise<Record<string, unknown>[]>): Promise<Attempt> {
    await client.query("BEGIN");
    try {
      const [stored] = await statement();
      if (!stored) throw new Error("the statement returned no row");
      return { stored };
    } catch (error) {
      return { refusal: refusalOf(error) };
    } finally {
      await client.query("ROLLBACK");
    }
  }

  return {
    db,
    tryInsert: (table, row) => attempt(async () => [await insertRow(db, table, row)]),
    tryUpdate: (table, row, patch) =>
      attempt(async () => {
        const { id } = await insertRow(db, table, row);
        const idColumn = getTableColumns(table).id;
        if (!idColumn) throw new Error("tryUpdate needs a table with an id column");
        return db
          .update(table as PgTable)
          .set(patch)
          .where(eq(idColumn, id))
          .returning();
      }),
  };
}
