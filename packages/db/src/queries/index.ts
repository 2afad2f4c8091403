// The application's hot paths, each a typed function over a database or a transaction. Every
// group-scoped one takes the group id explicitly, so it can run in a group-bound transaction.
export { type AuditCursor, type AuditTrailPage, auditTrailPage } from "./audit-trail-page";
export { type ComplianceProblem, complianceProblems } from "./compliance-problems";
export { type ComplianceStateDifferences, complianceStateDifferences } from "./compliance-state-check";
export { type ComplianceSummary, complianceSummary, type ExtensionCompliance } from "./compliance-summary";
export {
  type ComplianceViolation,
  exportViolations,
  type ViolationCursor,
  type ViolationFilter,
  type ViolationPage,
  violationPage,
  violationsQuery,
} from "./compliance-violations";
export type { Queryable } from "./queryable";
export { type HeartbeatResult, recordHeartbeat } from "./record-heartbeat";
export { staleAgents } from "./stale-agents";
export { type ReportBatch, type ReportBatchEntry, upsertReportBatch } from "./upsert-report-batch";
