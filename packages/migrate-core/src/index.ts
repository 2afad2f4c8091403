export {
  type ColumnDescription,
  describeSchema,
  diffSchemas,
  type SchemaDescription,
  type TableDescription,
} from "./catalog";
export { ExitCode, MigrateError } from "./errors";
export type { EventSink, MigrationEvent } from "./events";
export { type Migration, readMigrations } from "./journal";
export { type AppliedMigration, readLedger } from "./ledger";
export { type MigrateOptions, type MigrateResult, migrate } from "./migrate";
export { type MigrationPlan, planMigrations } from "./plan";
export { type MigrationStatus, type StatusOptions, status } from "./status";
