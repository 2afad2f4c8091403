import type { LiveSession, LiveTable, LiveTarget } from "./live-target";
import { findLockCycleRisk, type LockCycleRisk } from "./lock-cycles";
import { blocks, type LockMode, lockConflicts, modeName } from "./lock-modes";
import type { LockProfile, StatementProfile, TableWork } from "./measure";

// The measured profile joined with the live target: which application queries each statement
// would stop, on how much data, for about how long, and who is in the way right now.

export type Verdict = "safe" | "waits" | "blocks writes" | "blocks reads";

/** One statement's measured behaviour, scored against the target. */
export interface StatementAssessment {
  migration: string;
  position: number;
  sql: string;
  verdict: Verdict;
  /** Locks the statement takes (measured), with what each stops in the application. */
  locks: { table: string; mode: LockMode; blocks: "reads" | "writes" | "nothing" }[];
  /** Rewrites, index builds and scans, with the target's size of each table. */
  work: (TableWork & { rows: number; bytes: number })[];
  /** Tables whose reads or writes are stopped while the work runs (locks held by the migration so far). */
  blockedTables: { table: string; mode: LockMode; blocks: "reads" | "writes" }[];
  /** An estimate: the target's bytes of the tables worked on ÷ the throughput measured on the scratch database. */
  estimatedHoldMs: number | null;
  /** Sessions in the way now: they hold a conflicting lock (or, for CONCURRENTLY, a snapshot the build waits for). */
  blockerPids: number[];
  /** What the measurement says, in words. */
  reason: string;
  /** How to change the statement so it does not block, when it does. */
  fix: string | null;
}

export interface LockPlan {
  serverVersion: string;
  statements: StatementAssessment[];
  /** Migrations that could not be measured (or were measured on empty tables), and why. */
  notes: { migration: string; note: string }[];
  /** Tables the migrations touch, as sized on the target. */
  tables: LiveTable[];
  /** Migrations that hold one table while asking for another: each statement may be safe, the order is not (the migrator takes these locks up front). */
  cycles: LockCycleRisk[];
  /** Sessions with a transaction open on the target that are in the way of some statement. */
  blockers: LiveSession[];
  /** Sample rows written on the scratch database, per table (0 with a note when they could not be). */
  samples: LockProfile["samples"];
}

/** Scores every measured statement against the target's sizes and sessions. */
export function assessLockProfile(profile: LockProfile, live: LiveTarget): LockPlan {
  const sizes = new Map(live.tables.map((table) => [table.table, table]));
  const statements: StatementAssessment[] = [];
  const notes: LockPlan["notes"] = [];
  for (const migration of profile.migrations) {
    if (migration.error) notes.push({ migration: migration.name, note: `not measured: ${migration.error}` });
    if (migration.note) notes.push({ migration: migration.name, note: migration.note });
    for (const statement of migration.statements) {
      statements.push(assessStatement(migration.name, statement, sizes, live.sessions, profile.calibrationBytesPerMs));
    }
  }
  const pids = new Set(statements.flatMap((statement) => statement.blockerPids));
  const cycles = profile.migrations.flatMap((migration) => {
    const risk = findLockCycleRisk(migration, live.references, (table) => sizes.get(table)?.lockable ?? false);
    return risk ? [risk] : [];
  });
  return {
    serverVersion: profile.serverVersion,
    statements,
    notes,
    cycles,
    tables: live.tables,
    blockers: live.sessions.filter((session) => pids.has(session.pid)),
    samples: profile.samples,
  };
}

function assessStatement(
  migration: string,
  statement: StatementProfile,
  sizes: Map<string, LiveTable>,
  sessions: LiveSession[],
  calibrationBytesPerMs: number,
): StatementAssessment {
  // Tables the target does not have yet are created by an earlier pending migration: nobody uses them.
  const onTarget = (table: string) => sizes.has(table);
  const locks = statement.locks
    .filter((lock) => onTarget(lock.table) && lock.relation === lock.table)
    .map((lock) => ({ table: lock.table, mode: lock.mode, blocks: blocks(lock.mode) }));
  const work = statement.work
    .filter((item) => (sizes.get(item.table)?.rows ?? 0) > 0)
    .map((item) => ({ ...item, rows: sizes.get(item.table)?.rows ?? 0, bytes: sizes.get(item.table)?.bytes ?? 0 }));
  const blockedTables = statement.held.flatMap(({ table, mode }) => {
    const stopped = blocks(mode);
    return onTarget(table) && stopped !== "nothing" ? [{ table, mode, blocks: stopped }] : [];
  });
  const blocking = work.length > 0 ? blockedTables : [];
  const blockerPids = sessions
    .filter((session) =>
      statement.inTransaction
        ? session.locks.some((held) =>
            statement.held.some((ours) => ours.table === held.table && lockConflicts(ours.mode, held.mode)),
          )
        : session.holdsSnapshot ||
          session.locks.some((held) =>
            statement.held.some((ours) => ours.table === held.table && lockConflicts(ours.mode, held.mode)),
          ),
    )
    .map((session) => session.pid);
  const verdict: Verdict = blocking.some((table) => table.blocks === "reads")
    ? "blocks reads"
    : blocking.length > 0
      ? "blocks writes"
      : blockerPids.length > 0
        ? "waits"
        : "safe";
  return {
    migration,
    position: statement.position,
    sql: statement.sql,
    verdict,
    locks,
    work,
    blockedTables: blocking,
    estimatedHoldMs: work.length > 0 ? estimateMs(statement, work, calibrationBytesPerMs) : null,
    blockerPids,
    reason: reasonFor(statement, work, blocking, blockerPids),
    fix: blocking.length > 0 ? fixFor(statement, blocking) : null,
  };
}

/** Target bytes ÷ bytes per ms measured for this statement on the sample rows (else the calibration rewrite). */
function estimateMs(
  statement: StatementProfile,
  work: { table: string; bytes: number }[],
  calibrationBytesPerMs: number,
) {
  const sampleBytes = statement.work.reduce((sum, item) => sum + item.sampleBytes, 0);
  const bytesPerMs =
    sampleBytes > 0 && statement.durationMs > 0 ? sampleBytes / statement.durationMs : calibrationBytesPerMs;
  const seen = new Set<string>();
  let bytes = 0;
  for (const item of work) {
    if (seen.has(item.table)) continue;
    seen.add(item.table);
    bytes += item.bytes;
  }
  return Math.round(bytes / bytesPerMs);
}

const workWords: Record<TableWork["kind"], string> = {
  rewrite: "rewrites",
  "index-build": "builds an index on",
  scan: "scans",
};

function reasonFor(
  statement: StatementProfile,
  work: TableWork[],
  blocking: StatementAssessment["blockedTables"],
  blockerPids: number[],
): string {
  const did = work.map((item) => `${workWords[item.kind]} ${item.table}${item.index ? ` (${item.index})` : ""}`);
  const parts: string[] = [];
  if (did.length > 0) parts.push([...new Set(did)].join(", "));
  if (blocking.length > 0) {
    parts.push(
      `while holding ${blocking.map((b) => `${modeName(b.mode)} on ${b.table} (blocks ${b.blocks})`).join(", ")}`,
    );
  } else if (did.length === 0) {
    const strongest = statement.held.map((held) => `${modeName(held.mode)} on ${held.table}`);
    parts.push(
      strongest.length > 0 ? `catalog-only change under ${strongest.join(", ")}` : "takes no lock on an existing table",
    );
  } else {
    parts.push("under locks the application does not wait for");
  }
  if (statement.waitedFor.includes("virtualxid")) parts.push("waits for every transaction older than it (any table)");
  if (blockerPids.length > 0) parts.push(`must wait for session(s) ${blockerPids.join(", ")}`);
  return parts.join("; ");
}

/** The non-blocking way to do what the statement does, by what it was measured doing. */
function fixFor(statement: StatementProfile, blocking: StatementAssessment["blockedTables"]): string {
  const sql = statement.sql.replace(/--[^\n]*/g, " ").replace(/\s+/g, " ");
  if (/\bcreate\s+(unique\s+)?index\b/i.test(sql)) {
    return "CREATE INDEX CONCURRENTLY, alone in a migration of its own (the migrator runs it outside a transaction)";
  }
  if (/\bvalidate\s+constraint\b/i.test(sql)) {
    return `VALIDATE CONSTRAINT in a migration of its own: here an earlier statement's ${modeName(blocking[0]?.mode ?? "AccessExclusiveLock")} is still held while it scans`;
  }
  if (/\badd\s+(constraint\s+\S+\s+)?(check|foreign\s+key)\b/i.test(sql) && !/\bnot\s+valid\b/i.test(sql)) {
    return "add the constraint NOT VALID in this migration and VALIDATE CONSTRAINT it in the next (VALIDATE scans under SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes)";
  }
  if (/\badd\s+(constraint\s+\S+\s+)?(unique|primary\s+key)\b/i.test(sql)) {
    return "CREATE UNIQUE INDEX CONCURRENTLY in one migration, then ADD CONSTRAINT … UNIQUE USING INDEX in the next";
  }
  if (/\bset\s+not\s+null\b/i.test(sql)) {
    return "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it in a later migration, then SET NOT NULL (no scan once a valid check proves it) and drop the check";
  }
  if (/\btype\b/i.test(sql) && statement.work.some((item) => item.kind === "rewrite")) {
    return "expand and contract: add a column of the new type, backfill it in batches, move reads and writes to it, then drop the old one";
  }
  if (/\badd\s+column\b/i.test(sql)) {
    return "add the column without a volatile default (a constant default is stored in the catalog), then backfill it in batches";
  }
  return "do the scan or rewrite in a migration that holds no lock blocking the application, or in a maintenance window";
}
