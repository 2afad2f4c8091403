/** One problem the migration lint found. */
export interface Finding {
  /** Path of the migration file, relative to the package (e.g. `migrations/0005_add_x.sql`). */
  file: string;
  /** 1-based line of the statement (or the part of it) at fault. */
  line: number;
  /** Squawk's rule name, or one of the project's own (`redundant-index`, ...). */
  rule: string;
  /** What can go wrong in production. */
  risk: string;
  /** What to do instead (or how to waive it when it is intended). */
  fix: string;
}

/** `file:line rule: risk\n  fix: ...`, the form editors and CI logs link to. */
export function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line} ${finding.rule}: ${finding.risk}\n  fix: ${finding.fix}`;
}

/** Stable order: by file, then line, then rule. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
}
