import type pg from "pg";

// One key for every migrator of this project. A session-level advisory lock belongs to its
// connection: if the process dies, PostgreSQL closes the connection and frees the lock, so it
// cannot leak (unlike a lock row). It needs a direct (session) connection, not a transaction pooler.
const LOCK_KEY = 7_316_248_093_114_112n;

/** Runs `fn` while holding the migration lock; `onWait` is called once if another migrator holds it. */
export async function withMigrationLock<T>(
  client: pg.ClientBase,
  onWait: () => void,
  fn: () => Promise<T>,
): Promise<T> {
  const { rows } = await client.query("SELECT pg_try_advisory_lock($1) AS locked", [LOCK_KEY.toString()]);
  if (!rows[0].locked) {
    onWait();
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY.toString()]);
  }
  try {
    return await fn();
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY.toString()]).catch(() => {});
  }
}
