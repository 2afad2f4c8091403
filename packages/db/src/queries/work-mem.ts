import { sql } from "drizzle-orm";
import type { Queryable } from "./queryable";

/**
 * Runs `fn` in a transaction (a savepoint when `db` is already one, as under `withGroup`) with
 * `work_mem` at `workMem` for `fn`'s statements only: a query that hashes or materializes a large
 * group's rows gets the memory it needs without raising it for every connection of the server.
 * `SET LOCAL` would last until the top-level transaction ends, so the previous value is put back
 * before returning (and a failed `fn` rolls the savepoint back, setting included).
 */
export function withWorkMem<T>(db: Queryable, workMem: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const set = await tx.execute<{ previous: string }>(
      sql`SELECT current_setting('work_mem') AS previous, set_config('work_mem', ${workMem}, true)`,
    );
    const result = await fn(tx);
    await tx.execute(sql`SELECT set_config('work_mem', ${set.rows[0]?.previous ?? workMem}, true)`);
    return result;
  });
}
