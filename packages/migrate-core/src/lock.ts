import type pg from "pg";
import { ExitCode, MigrateError } from "./errors";

// One key for every migrator of this project. A session-level advisory lock belongs to its
// connection: if the process dies, PostgreSQL closes the connection and frees the lock, so it
// cannot leak (unlike a lock row). It needs a direct (session) connection, not a transaction pooler.
// Any role may take an advisory lock, so who holds it is checked before waiting for it.
export const MIGRATION_LOCK_KEY = 7_316_248_093_114_112n;

/** Pauses between attempts while another migrator holds the lock. */
const POLL_MS = [50, 100, 200, 400, 500];

/** The session holding the migration lock. */
export interface LockHolder {
  pid: number;
  role: string;
}

/**
 * Runs `fn` while holding the migration lock; `onWait` is called once if another migrator holds
 * it. A holder whose role could not migrate this database (neither a superuser nor a member of
 * its owner: a service's credential, say) is not waited for: the run stops at once, naming it.
 */
export async function withMigrationLock<T>(
  client: pg.ClientBase,
  onWait: (holder: LockHolder | null) => void,
  fn: () => Promise<T>,
): Promise<T> {
  await watchForDeadClient(client);
  // Wait by polling, never in a blocking pg_advisory_lock: a waiting session keeps a snapshot
  // open, and the holder's CREATE INDEX CONCURRENTLY waits for every older snapshot of the
  // database to end, so a blocking wait is a deadlock that PostgreSQL breaks by failing one side.
  for (let attempt = 0; !(await tryLock(client)); attempt++) {
    if (attempt === 0) onWait(await lockHolder(client));
    await new Promise((resolve) => setTimeout(resolve, POLL_MS[Math.min(attempt, POLL_MS.length - 1)]));
  }
  try {
    return await fn();
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY.toString()]).catch(() => {});
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

async function lockHolder(client: pg.ClientBase): Promise<LockHolder | null> {
  const { rows } = await client.query<LockHolder & { may_migrate: boolean }>(
    `SELECT l.pid, r.rolname AS role, r.rolsuper OR pg_has_role(r.oid, d.datdba, 'MEMBER') AS may_migrate
     FROM pg_locks l
     JOIN pg_database d ON d.oid = l.database
     JOIN pg_stat_activity a ON a.pid = l.pid
     JOIN pg_roles r ON r.oid = a.usesysid
     WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()
       AND l.classid = ($1::bigint >> 32)::oid AND l.objid = ($1::bigint & 4294967295)::oid AND l.objsubid = 1`,
    [MIGRATION_LOCK_KEY.toString()],
  );
  const holder = rows[0];
  if (!holder) return null; // released in the meantime
  if (!holder.may_migrate) {
    throw new MigrateError(
      "lock-held-by-non-migrator",
      `The migration lock is held by pid ${holder.pid} as ${holder.role}, a role that cannot migrate this database (no superuser, no member of its owner), so it is no migrator and waiting would never end: find out why that credential took it, and end the session (SELECT pg_terminate_backend(${holder.pid}) as a superuser or a member of ${holder.role}). Nothing was applied.`,
      ExitCode.failure,
    );
  }
  return { pid: holder.pid, role: holder.role };
}

async function tryLock(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query("SELECT pg_try_advisory_lock($1) AS locked", [MIGRATION_LOCK_KEY.toString()]);
  return rows[0].locked;
}
