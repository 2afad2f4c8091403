import type pg from "pg";

// One key for every migrator of this project. A session-level advisory lock belongs to its
// connection: if the process dies, PostgreSQL closes the connection and frees the lock, so it
// cannot leak (unlike a lock row). It needs a direct (session) connection, not a transaction pooler.
const LOCK_KEY = 7_316_248_093_114_112n;

/** Pauses between attempts while another migrator holds the lock. */
const POLL_MS = [50, 100, 200, 400, 500];

/** Runs `fn` while holding the migration lock; `onWait` is called once if another migrator holds it. */
export async function withMigrationLock<T>(
  client: pg.ClientBase,
  onWait: () => void,
  fn: () => Promise<T>,
): Promise<T> {
  await watchForDeadClient(client);
  // Wait by polling, never in a blocking pg_advisory_lock: a waiting session keeps a snapshot
  // open, and the holder's CREATE INDEX CONCURRENTLY waits for every older snapshot of the
  // database to end, so a blocking wait is a deadlock that PostgreSQL breaks by failing one side.
  for (let attempt = 0; !(await tryLock(client)); attempt++) {
    if (attempt === 0) onWait();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS[Math.min(attempt, POLL_MS.length - 1)]));
  }
  try {
    return await fn();
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY.toString()]).catch(() => {});
  }
}

/**
 * Has the server check every second, during a long statement, that this process is still there.
 * Without it, a migrator killed mid-statement leaves its session running the statement to the
 * end unattended (a long backfill, an index build), holding this lock and table locks while the
 * next run waits. PostgreSQL 14+ on Linux, macOS and the BSDs; elsewhere a no-op.
 */
async function watchForDeadClient(client: pg.ClientBase): Promise<void> {
  await client.query("SET client_connection_check_interval = 1000").catch(() => {});
}

async function tryLock(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query("SELECT pg_try_advisory_lock($1) AS locked", [LOCK_KEY.toString()]);
  return rows[0].locked;
}
