export { type BaselineOptions, type BaselineResult, baseline } from "./baseline";
export {
  type ColumnDescription,
  describeSchema,
  diffSchemas,
  type SchemaDescription,
  type TableDescription,
} from "./catalog";
export { ExitCode, MigrateError } from "./errors";
export type { EventSink, MigrationEvent } from "./events";
export { DEFAULT_LOCK_TIMEOUT_MS } from "./execute";
export {
  type ExpectedSchemaOptions,
  expectedSchema,
  type SchemaDrift,
  SchemaDriftError,
  type SchemaDriftOptions,
  schemaDrift,
  withoutForeignLedgers,
  withScratchDatabase,
} from "./expected-schema";
export { type DownMigration, type Migration, readMigrations } from "./journal";
export { type AppliedMigration, ensureLedger, readLedger, recordFinished } from "./ledger";
export { withMigrationLock } from "./lock";
export type {
  LockPlan,
  StatementAssessment,
  Verdict,
} from "./lock-profile/assess";
export { DEFAULT_MAX_BLOCKING_ROWS, enforceGate, type GateOptions, gateRefusals } from "./lock-profile/gate";
export type { LiveSession, LiveTable } from "./lock-profile/live-target";
export type { LockProfile, MigrationProfile, StatementProfile, TableWork } from "./lock-profile/measure";
export { type LockPlanOptions, planLocks } from "./lock-profile/plan-locks";
export { describeSession, formatLockPlanMarkdown, formatLockPlanTable } from "./lock-profile/report";
export { type MigrateOptions, type MigrateResult, migrate } from "./migrate";
export {
  formatPendingSql,
  type PendingMigration,
  type PendingOptions,
  pendingMigrations,
  readPlan,
} from "./pending-sql";
export { type MigrationPlan, planMigrations } from "./plan";
export {
  checkRollbackRange,
  pendingRollback,
  type RollbackOptions,
  type RollbackResult,
  rollback,
} from "./rollback";
export { type MigrationStatus, type StatusOptions, status } from "./status";
