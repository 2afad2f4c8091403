// The engine's public surface: what the migrator, the schema tooling, the bench and their tests use.
export {
  type BackfillOptions,
  type BackfillResult,
  DEFAULT_BACKFILL_BATCH_MS,
  DEFAULT_BACKFILL_BATCH_SIZE,
  formatPlannedBackfill,
  type PlannedBackfill,
  planBackfills,
} from "./backfill";
export { baseline } from "./baseline";
export { describeSchema, type Grant, type SchemaDescription } from "./catalog";
export { ExitCode, MigrateError } from "./errors";
export type { MigrationEvent } from "./events";
export { DEFAULT_LOCK_TIMEOUT_MS } from "./execute";
export { SchemaDriftError, schemaDrift, withScratchDatabase } from "./expected-schema";
export { type Migration, type Phase, readMigrations } from "./journal";
export { MIGRATION_LOCK_KEY } from "./lock";
export type {
  LockPlan,
  StatementAssessment,
  Verdict,
} from "./lock-profile/assess";
export { type LockGateOptions, type LockGateResult, lockGate, sessionsInTheWay } from "./lock-profile/before-up";
export { DEFAULT_MAX_BLOCKING_ROWS, enforceGate, type GateOptions, gateRefusals } from "./lock-profile/gate";
export type { LiveSession, LiveTable } from "./lock-profile/live-target";
export {
  type LockCycleRisk,
  type UpFrontLocks,
  upFrontLocks,
} from "./lock-profile/lock-cycles";
export { modeName } from "./lock-profile/lock-modes";
export type { LockProfile, MigrationProfile, StatementProfile, TableWork } from "./lock-profile/measure";
export { type LockPlanOptions, planLocks } from "./lock-profile/plan-locks";
export { tablesNamedIn } from "./lock-profile/relation-name";
export { describeSession, formatLockPlanMarkdown, formatLockPlanTable, oneLine } from "./lock-profile/report";
export { migrate } from "./migrate";
export { formatPendingSql, type PendingMigration, pendingMigrations } from "./pending-sql";
export { checkRollbackRange, pendingRollback, rollback } from "./rollback";
export { diffSchemas } from "./schema-diff";
export { runsInTransaction, type Statement, splitStatements } from "./statements";
export { type MigrationStatus, status } from "./status";
export { inTransaction } from "./transaction";
