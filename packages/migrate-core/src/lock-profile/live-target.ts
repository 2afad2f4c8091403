import type pg from "pg";
import type { Reference } from "./lock-cycles";
import { isLockMode, type LockMode } from "./lock-modes";
import { relationName } from "./relation-name";

// What the target holds and who is using it right now, read from the catalog and the statistics
// views only: no query here opens a user table, so none takes a lock on one (pg_total_relation_size
// would take ACCESS SHARE, and wait behind an ACCESS EXCLUSIVE holder).

/** A table's size on the target, from its catalog statistics (as of its last VACUUM / ANALYZE). */
export interface LiveTable {
  table: string;
  /** pg_class.reltuples, or pg_stat_user_tables.n_live_tup when larger (inserts since the last ANALYZE). */
  rows: number;
  /** Pages of the table, its TOAST table and its indexes (pg_class.relpages × block_size). */
  bytes: number;
  /** False for a materialized view: LOCK TABLE refuses one (so the migrator cannot take its lock up front). */
  lockable: boolean;
}

/** A session of the target with a transaction open. */
export interface LiveSession {
  pid: number;
  applicationName: string;
  user: string;
  /** active, idle in transaction, … */
  state: string;
  /** How long its transaction has been open. */
  transactionAgeMs: number;
  /** Whether it holds a snapshot (backend_xmin): CREATE INDEX CONCURRENTLY waits for every such older transaction. */
  holdsSnapshot: boolean;
  /** Table locks it holds or waits for, on tables (an index's lock counts for its table). */
  locks: { table: string; mode: LockMode; granted: boolean }[];
}

export interface LiveTarget {
  tables: LiveTable[];
  sessions: LiveSession[];
  /** Foreign keys among `tables`: the order the application's inserts lock them in (lock-cycles.ts). */
  references: Reference[];
}

const TABLES = `
  SELECT ${relationName("c", "n")} AS table, c.relkind <> 'm' AS lockable, c.reltuples::float8 AS reltuples, COALESCE(s.n_live_tup, 0)::float8 AS live,
         ((c.relpages + COALESCE(t.relpages, 0)
           + COALESCE((SELECT sum(i.relpages) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid), 0))
          * current_setting('block_size')::int8)::float8 AS bytes
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
  WHERE c.relkind IN ('r', 'p', 'm') AND ${relationName("c", "n")} = ANY($1)`;

const SESSIONS = `
  SELECT a.pid, COALESCE(a.application_name, '') AS "applicationName", COALESCE(a.usename, '') AS user,
         COALESCE(a.state, '') AS state,
         (extract(epoch FROM now() - a.xact_start) * 1000)::float8 AS "transactionAgeMs",
         a.backend_xmin IS NOT NULL AS "holdsSnapshot",
         COALESCE(json_agg(json_build_object('table', ${relationName("t", "n")}, 'mode', l.mode, 'granted', l.granted))
                  FILTER (WHERE t.oid IS NOT NULL), '[]') AS locks
  FROM pg_stat_activity a
  LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'relation'
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  LEFT JOIN pg_index x ON x.indexrelid = l.relation
  LEFT JOIN pg_class t ON t.oid = COALESCE(x.indrelid, l.relation)
  LEFT JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
    AND a.xact_start IS NOT NULL
  GROUP BY a.pid, a.application_name, a.usename, a.state, a.xact_start, a.backend_xmin
  ORDER BY a.xact_start`;

const REFERENCES = `
  SELECT DISTINCT ${relationName("c", "n")} AS from, ${relationName("r", "rn")} AS to
  FROM pg_constraint k
  JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
  WHERE k.contype = 'f' AND ${relationName("c", "n")} = ANY($1) AND ${relationName("r", "rn")} = ANY($1)`;

/** Sizes of `tables` (those missing from the target are left out), the foreign keys among them, and the sessions in a transaction now. */
export async function readLiveTarget(client: pg.ClientBase, tables: string[]): Promise<LiveTarget> {
  const sizes = await client.query<{
    table: string;
    lockable: boolean;
    reltuples: number;
    live: number;
    bytes: number;
  }>(TABLES, [tables]);
  const sessions = await client.query<
    Omit<LiveSession, "locks"> & { locks: { table: string | null; mode: string; granted: boolean }[] }
  >(SESSIONS);
  const references = await client.query<Reference>(REFERENCES, [tables]);
  return {
    references: references.rows,
    tables: sizes.rows.map((row) => ({
      table: row.table,
      lockable: row.lockable,
      rows: Math.max(row.reltuples, row.live, 0),
      bytes: row.bytes,
    })),
    sessions: sessions.rows.map((row) => ({
      ...row,
      transactionAgeMs: Math.max(0, Math.round(row.transactionAgeMs)),
      // An index's lock counts for its table: one entry per table, mode and state.
      locks: [
        ...new Map(
          row.locks.flatMap((lock) =>
            lock.table !== null && isLockMode(lock.mode)
              ? [
                  [
                    `${lock.table} ${lock.mode} ${lock.granted}`,
                    { table: lock.table, mode: lock.mode, granted: lock.granted },
                  ] as const,
                ]
              : [],
          ),
        ).values(),
      ],
    })),
  };
}
