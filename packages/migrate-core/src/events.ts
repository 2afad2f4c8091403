/** What a run reports as it goes: one event per step, for human lines or JSON. */
export type MigrationEvent =
  | { type: "lock-wait" }
  | { type: "adopted"; names: string[] }
  | { type: "up-to-date"; applied: number }
  | { type: "migration-start"; name: string; transactional: boolean; resumeAt: number }
  | { type: "migration-done"; name: string; durationMs: number }
  | { type: "rollback-start"; name: string; transactional: boolean; resumeAt: number }
  | { type: "rollback-done"; name: string; durationMs: number }
  | { type: "nothing-to-roll-back" }
  | { type: "lock-timeout-retry"; name: string; attempt: number; delayMs: number }
  /** A session that holds what a pending migration needs (found before running): up waits for it under lock_timeout. */
  | { type: "blocker"; pid: number; session: string };

export type EventSink = (event: MigrationEvent) => void;
