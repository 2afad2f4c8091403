// PostgreSQL's table-lock modes and which of them conflict, as documented in "Explicit Locking"
// (https://www.postgresql.org/docs/current/explicit-locking.html). This is the server's conflict
// matrix, not a rule about statements: which statement takes which mode is measured (measure.ts).

/** The eight table-lock modes, weakest first, as pg_locks names them. */
export const lockModes = [
  "AccessShareLock",
  "RowShareLock",
  "RowExclusiveLock",
  "ShareUpdateExclusiveLock",
  "ShareLock",
  "ShareRowExclusiveLock",
  "ExclusiveLock",
  "AccessExclusiveLock",
] as const;
export type LockMode = (typeof lockModes)[number];

const conflicts: Record<LockMode, LockMode[]> = {
  AccessShareLock: ["AccessExclusiveLock"],
  RowShareLock: ["ExclusiveLock", "AccessExclusiveLock"],
  RowExclusiveLock: ["ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"],
  ShareUpdateExclusiveLock: [
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
  ],
  ShareLock: [
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
  ],
  ShareRowExclusiveLock: [
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
  ],
  ExclusiveLock: [
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
  ],
  AccessExclusiveLock: [...lockModes],
};

export function isLockMode(mode: string): mode is LockMode {
  return (lockModes as readonly string[]).includes(mode);
}

/** Whether a session holding `a` makes one asking for `b` wait (the matrix is symmetric). */
export function lockConflicts(a: LockMode, b: LockMode): boolean {
  return conflicts[a].includes(b);
}

/** The stronger of two modes (by the order above). */
export function strongerMode(a: LockMode | undefined, b: LockMode): LockMode {
  return a === undefined || lockModes.indexOf(b) > lockModes.indexOf(a) ? b : a;
}

/** What the application cannot do on a table while this mode is held: plain SELECT takes ACCESS SHARE, INSERT/UPDATE/DELETE ROW EXCLUSIVE. */
export function blocks(mode: LockMode): "reads" | "writes" | "nothing" {
  if (lockConflicts(mode, "AccessShareLock")) return "reads";
  if (lockConflicts(mode, "RowExclusiveLock")) return "writes";
  return "nothing";
}

/** `AccessExclusiveLock` → `ACCESS EXCLUSIVE`, the name the docs and error messages use. */
export function modeName(mode: LockMode): string {
  return mode
    .replace(/Lock$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}
