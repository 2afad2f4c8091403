import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema";

/** A drizzle database over a `pg` pool, with the relational query API for every table. */
export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };

/** Options passed to the `pg` pool (size, timeouts, TLS), besides the connection string. */
export type PoolOptions = Omit<pg.PoolConfig, "connectionString">;

/**
 * Connects to `url` through a `pg` pool. Column keys are camelCase in TypeScript and snake_case
 * in SQL, as in drizzle.config.ts. Close it with `await db.$client.end()`.
 */
export function createDb(url: string, options: PoolOptions = {}): Database {
  const pool = new pg.Pool({ connectionString: url, ...options });
  return drizzle(pool, { schema, casing: "snake_case" });
}
