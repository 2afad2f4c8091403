/** What a run reports as it goes: one event per step, for human lines or JSON. */
export type MigrationEvent =
  /** Another migrator holds the migration lock (`holder`: its session, null if it just let go). */
  | { type: "lock-wait"; holder: { pid: number; role: string } | null }
  | { type: "adopted"; names: string[] }
  | { type: "up-to-date"; applied: number }
  | { type: "migration-start"; name: string; transactional: boolean; resumeAt: number }
  | { type: "migration-done"; name: string; durationMs: number }
  | { type: "rollback-start"; name: string; transactional: boolean; resumeAt: number }
  | { type: "rollback-done"; name: string; durationMs: number }
  | { type: "nothing-to-roll-back" }
  /** A statement hit lock_timeout, or (`deadlock`) PostgreSQL cancelled it to break a deadlock: the step runs again. */
  | { type: "lock-timeout-retry"; name: string; attempt: number; delayMs: number; deadlock: boolean }
  /** The migration holds one table while asking for another: it takes these locks first, in this order (lock-cycles.ts). */
  | { type: "locks-up-front"; name: string; locks: string[] }
  /** `up` stopped before a contract: it waits for `up --contract <name>` (the previous version is gone). */
  | { type: "held"; name: string; expand: string }
  | { type: "backfill-start"; migration: string; table: string; resumeAfter: number; estimate: number | null }
  | { type: "backfill-progress"; migration: string; table: string; rowsDone: number; estimate: number | null }
  | {
      type: "backfill-done";
      migration: string;
      table: string;
      rows: number;
      batches: number;
      durationMs: number;
      longestBatchMs: number;
      largestBatch: number;
      retried: number;
    }
  /** A session that holds what a pending migration needs (found before running): up waits for it under lock_timeout. */
  | { type: "blocker"; pid: number; session: string };

export type EventSink = (event: MigrationEvent) => void;
