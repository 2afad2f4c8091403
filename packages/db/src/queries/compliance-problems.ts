/**
 * Why an agent is out of compliance; also the order problems take within one extension (their
 * text order, which is how compliance_violations' primary key sorts them).
 */
export const complianceProblems = ["blocked", "missing_required", "wrong_version"] as const;
export type ComplianceProblem = (typeof complianceProblems)[number];

/** The error a read of a group whose compliance state the migration has not built yet throws. */
export function notBuilt(groupId: string): Error {
  return new Error(
    `compliance state of group ${groupId} is not built yet: the migration builds it (0018's backfill); run the migrator to the end and retry`,
  );
}
