import { blocks, type LockMode, modeName, strongerMode } from "./lock-modes";
import type { MigrationProfile } from "./measure";

// A transaction that holds a lock the application waits for on one table and then asks for one on
// another can deadlock with an application transaction that takes the same tables the other way
// round (eugene's E4, "running more statements after taking AccessExclusiveLock", seen from the
// application's side): the application waits for the migrator, the migrator for the application,
// and lock_timeout (500 ms, under deadlock_timeout's 1 s) cancels the migrator, every retry. Each
// statement alone is harmless, so this is found per migration, from the measured locks in the
// order its statements take them.

/** A table lock a migration takes, and the statement (1-based) that first takes it in that mode. */
export interface TakenLock {
  table: string;
  mode: LockMode;
  position: number;
}

/** A foreign key between two tables: rows of `from` reference rows of `to`. */
export interface Reference {
  from: string;
  to: string;
}

/** What the migrator takes up front, just before statement `before` (0-based), in this order. */
export interface UpFrontLocks {
  before: number;
  locks: { table: string; mode: LockMode }[];
}

export interface LockCycleRisk {
  migration: string;
  /** The first lock the application waits for: held from this statement until the commit. */
  first: TakenLock;
  /** Locks the application waits for, on other tables, asked for later while `first` is held. */
  then: TakenLock[];
  /** The migrator's remedy: every table above at its strongest mode, referencing tables before referenced ones. */
  upFront: UpFrontLocks;
  /** In words, for the plan. */
  reason: string;
}

/**
 * The lock-cycle risk of one measured migration, or null: only a transactional migration can hold
 * one table while waiting for another. `lockable` leaves out tables that do not exist yet (an
 * earlier pending migration creates them: no application uses them) and materialized views
 * (LOCK TABLE refuses them).
 */
export function findLockCycleRisk(
  migration: MigrationProfile,
  references: Reference[],
  lockable: (table: string) => boolean,
): LockCycleRisk | null {
  if (!migration.transactional) return null;
  const taken: TakenLock[] = migration.statements.flatMap((statement) =>
    statement.locks
      .filter((lock) => lock.relation === lock.table && lockable(lock.table) && blocks(lock.mode) !== "nothing")
      .map((lock) => ({ table: lock.table, mode: lock.mode, position: statement.position })),
  );
  const first = taken[0];
  if (first === undefined) return null;
  const then = taken.filter(
    (lock, i) => lock.table !== first.table && taken.findIndex((l) => l.table === lock.table) === i,
  );
  if (then.length === 0) return null;
  const strongest = new Map<string, LockMode>();
  for (const lock of taken) strongest.set(lock.table, strongerMode(strongest.get(lock.table), lock.mode));
  const order = referencingFirst([...strongest.keys()], references);
  const upFront = {
    before: first.position - 1,
    locks: order.map((table) => ({ table, mode: strongest.get(table) as LockMode })),
  };
  const asked = then.map((lock) => `${modeName(lock.mode)} on ${lock.table} (#${lock.position})`).join(", ");
  const reason =
    `holds ${modeName(first.mode)} on ${first.table} from statement ${first.position} to its commit and then asks for ${asked}: ` +
    `an application transaction that already holds one of those tables and then needs ${first.table} waits for the migrator while the migrator waits for it, ` +
    `a lock cycle that lock_timeout ends by cancelling the migrator, on every retry. ` +
    `The migrator takes ${upFront.locks.map((lock) => `${lock.table} (${modeName(lock.mode)})`).join(", ")} up front, in that order (referencing tables before the tables they reference, the order inserts and their foreign-key checks lock them), so it never holds one while waiting for another`;
  return { migration: migration.name, first, then, upFront, reason };
}

/**
 * `tables` with every referencing table before the tables it references (an INSERT locks its table,
 * then its foreign-key checks lock the referenced ones); otherwise in the order given. Tables in a
 * reference cycle keep their order.
 */
export function referencingFirst(tables: string[], references: Reference[]): string[] {
  const edges = references.filter((ref) => ref.from !== ref.to && tables.includes(ref.from) && tables.includes(ref.to));
  const ordered: string[] = [];
  const left = [...tables];
  while (left.length > 0) {
    const ready = left.find((table) => !edges.some((ref) => ref.to === table && left.includes(ref.from)));
    const next = ready ?? (left[0] as string);
    ordered.push(next);
    left.splice(left.indexOf(next), 1);
  }
  return ordered;
}

/** What `migrate`'s `lockUpFront` takes: the remedy of each migration at risk. */
export function upFrontLocks(cycles: LockCycleRisk[]): Map<string, UpFrontLocks> {
  return new Map(cycles.map((risk) => [risk.migration, risk.upFront]));
}
