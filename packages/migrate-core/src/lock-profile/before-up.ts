import type pg from "pg";
import { MigrateError } from "../errors";
import type { HoldOptions } from "../held";
import { type PendingMigration, pendingMigrations } from "../pending-sql";
import type { LockPlan } from "./assess";
import { enforceGate, type GateOptions } from "./gate";
import { type LiveSession, readLiveTarget } from "./live-target";
import { type UpFrontLocks, upFrontLocks } from "./lock-cycles";
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
  /** The measured plan, or null when nothing needed measuring (no pending migration names a table over the threshold or two existing tables). */
  plan: LockPlan | null;
  /** Per migration at risk of a lock cycle, the locks `migrate` takes up front (its `lockUpFront`). */
  upFront: Map<string, UpFrontLocks>;
  /** Why the lock cycles were not looked for (the role may not create the scratch database), when so. */
  cyclesUnchecked?: string;
  /** Sessions in the way of the pending migrations now. */
  blockers: LiveSession[];
}

/**
 * What `up` checks before applying anything (from migrate()'s `beforeApplying`, so a run with
 * nothing to apply never gets here). Measuring needs a scratch database, so it happens only
 * when a pending migration not allowed to block names a table with more rows than
 * `maxBlockingRows` (smaller tables cannot be refused), or when a pending transactional migration
 * names two existing tables (it may hold one while asking for the other: lock-cycles.ts). Then a
 * statement that would block the application while working on a large table is refused (exit 5).
 * Returns the sessions in the way and the locks to take up front.
 */
export async function lockGate(options: LockGateOptions): Promise<LockGateResult> {
  const { pending } = options;
  if (pending.length === 0) return { plan: null, blockers: [], upFront: new Map() };
  const judged = pending.filter((migration) => !options.allowBlocking.includes(migration.name));
  const live = await readLiveTarget(options.client, await tablesNamedIn(options.client, pending));
  const judgedTables = new Set(await tablesNamedIn(options.client, judged));
  const large = live.tables.filter((table) => judgedTables.has(table.table) && table.rows > options.maxBlockingRows);
  const unmeasured = () => ({
    plan: null,
    blockers: sessionsOnTables(
      live.sessions,
      live.tables.map((t) => t.table),
      pending.some((m) => !m.transactional),
    ),
    upFront: new Map(),
  });
  const mayCycle = await anyNamesTwoTables(options.client, pending);
  if (large.length === 0 && !mayCycle) return unmeasured();
  let plan: LockPlan;
  try {
    // Up to the last migration `up` would apply: a held contract is measured when it is released.
    // Sample rows only serve the gate's estimates: the locks are the same on empty tables.
    plan = await planLocks({
      ...options,
      to: (pending.at(-1) as PendingMigration).name,
      ...(large.length === 0 ? { sampleRows: 0 } : {}),
    });
  } catch (error) {
    if (error instanceof MigrateError && error.code === "createdb-denied" && large.length === 0) {
      return {
        ...unmeasured(),
        cyclesUnchecked: `${options.client.user ?? "the migrator's role"} may not create databases (CREATEDB), so the pending migrations' locks were not measured and none is taken up front: a migration that holds one table while asking for another can deadlock with the application and fail every retry`,
      };
    }
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
  if (large.length > 0) enforceGate(plan, options);
  return { plan, blockers: plan.blockers, upFront: upFrontLocks(plan.cycles) };
}

/** Whether a pending transactional migration names two existing tables (catalog only). */
async function anyNamesTwoTables(client: pg.Client, pending: PendingMigration[]): Promise<boolean> {
  for (const migration of pending) {
    if (migration.transactional && (await tablesNamedIn(client, [migration])).length >= 2) return true;
  }
  return false;
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
