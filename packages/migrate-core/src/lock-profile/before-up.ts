import type pg from "pg";
import { MigrateError } from "../errors";
import type { HoldOptions } from "../held";
import { type PendingMigration, pendingMigrations } from "../pending-sql";
import type { LockPlan } from "./assess";
import { enforceGate, type GateOptions } from "./gate";
import { type LiveSession, readLiveTarget } from "./live-target";
import { planLocks } from "./plan-locks";
import { tablesNamedIn } from "./relation-name";
import { formatRows } from "./report";

export interface LockGateOptions extends GateOptions {
  client: pg.Client;
  folder: string;
  /** What `up` is about to apply (migrate() hands it to `beforeApplying`), in order. */
  pending: PendingMigration[];
  /** Contracts `up` holds (they are not applied, so not gated). */
  hold?: HoldOptions;
  sampleRows?: number;
}

export interface LockGateResult {
  /** The measured plan, or null when nothing needed measuring (no pending migration names a table over the threshold). */
  plan: LockPlan | null;
  /** Sessions in the way of the pending migrations now. */
  blockers: LiveSession[];
}

/**
 * What `up` checks before applying anything (from migrate()'s `beforeApplying`, so a run with
 * nothing to apply never gets here). Measuring needs a scratch database, so it happens only
 * when a pending migration not allowed to block names a table with more rows than
 * `maxBlockingRows` (smaller tables cannot be refused); then a statement that would block the
 * application while working on such a table is refused (exit 5). Returns the sessions in the way.
 */
export async function lockGate(options: LockGateOptions): Promise<LockGateResult> {
  const { pending } = options;
  if (pending.length === 0) return { plan: null, blockers: [] };
  const judged = pending.filter((migration) => !options.allowBlocking.includes(migration.name));
  const live = await readLiveTarget(options.client, await tablesNamedIn(options.client, pending));
  const judgedTables = new Set(await tablesNamedIn(options.client, judged));
  const large = live.tables.filter((table) => judgedTables.has(table.table) && table.rows > options.maxBlockingRows);
  if (large.length === 0) {
    return {
      plan: null,
      blockers: sessionsOnTables(
        live.sessions,
        live.tables.map((t) => t.table),
        pending.some((m) => !m.transactional),
      ),
    };
  }
  let plan: LockPlan;
  try {
    // Up to the last migration `up` would apply: a held contract is measured when it is released.
    plan = await planLocks({ ...options, to: (pending.at(-1) as PendingMigration).name });
  } catch (error) {
    if (error instanceof MigrateError && error.code === "createdb-denied") {
      throw new MigrateError(
        "lock-gate-needs-createdb",
        `${large.map((t) => `${t.table} (~${formatRows(t.rows)} rows)`).join(", ")} ${large.length === 1 ? "has" : "have"} more rows than --max-blocking-rows ${formatRows(options.maxBlockingRows)}, so the pending migrations' locks must be measured on a scratch database, but ${options.client.user ?? "the migrator's role"} may not create databases: grant it CREATEDB (ALTER ROLE "${options.client.user}" CREATEDB), or after review pass --allow-blocking ${judged.map((m) => m.name).join(",")}.`,
        error.exitCode,
        { cause: error },
      );
    }
    throw error;
  }
  enforceGate(plan, options);
  return { plan, blockers: plan.blockers };
}

/**
 * Sessions holding or awaiting a lock on one of `tables`, or, when a statement runs CONCURRENTLY,
 * holding a snapshot (the build waits for every older transaction): who `up` would wait for.
 */
export function sessionsOnTables(sessions: LiveSession[], tables: string[], concurrently: boolean): LiveSession[] {
  return sessions.filter(
    (session) => session.locks.some((lock) => tables.includes(lock.table)) || (concurrently && session.holdsSnapshot),
  );
}

/** The sessions in the way of the next pending migration now (after a lock timeout, to name them). */
export async function sessionsInTheWay(client: pg.Client, folder: string): Promise<LiveSession[]> {
  const [migration] = await pendingMigrations({ client, folder });
  if (!migration) return [];
  const tables = await tablesNamedIn(client, [migration]);
  const live = await readLiveTarget(client, tables);
  return sessionsOnTables(live.sessions, tables, !migration.transactional);
}
