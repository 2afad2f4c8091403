import { ExitCode, MigrateError } from "../errors";
import type { LockPlan, StatementAssessment } from "./assess";
import { formatBytes, formatMs, formatRows, oneLine } from "./report";

/** What the gate lets through. */
export interface GateOptions {
  /** A table with more rows than this may not be scanned or rewritten under a lock that blocks the application. */
  maxBlockingRows: number;
  /** Migrations reviewed and accepted although they block (`--allow-blocking`). */
  allowBlocking: string[];
}

/** The default of `--max-blocking-rows`: a rewrite of 10,000 rows already holds its lock for a noticeable moment on a busy table. */
export const DEFAULT_MAX_BLOCKING_ROWS = 10_000;

/** Statements the gate refuses: blocking work on a table over the threshold, in a migration not allowed to block. */
export function gateRefusals(plan: LockPlan, options: GateOptions): StatementAssessment[] {
  return plan.statements.filter(
    (statement) =>
      !options.allowBlocking.includes(statement.migration) &&
      (statement.verdict === "blocks reads" || statement.verdict === "blocks writes") &&
      statement.work.some((item) => item.rows > options.maxBlockingRows),
  );
}

/** Migrations the gate could not measure, so cannot judge (unless allowed). */
export function unmeasured(plan: LockPlan, options: GateOptions): LockPlan["notes"] {
  return plan.notes.filter(
    (note) => note.note.startsWith("not measured") && !options.allowBlocking.includes(note.migration),
  );
}

/** Throws the gate's refusal (exit 5) naming each statement, table, size and fix; returns when nothing is refused. */
export function enforceGate(plan: LockPlan, options: GateOptions): void {
  const refused = gateRefusals(plan, options);
  const blind = unmeasured(plan, options);
  if (refused.length === 0 && blind.length === 0) return;
  const lines = refused.map((statement) => {
    const big = statement.work.filter((item) => item.rows > options.maxBlockingRows);
    const tables = [
      ...new Set(big.map((item) => `${item.table} (~${formatRows(item.rows)} rows, ${formatBytes(item.bytes)})`)),
    ];
    const hold = statement.estimatedHoldMs === null ? "" : `, estimated hold ~${formatMs(statement.estimatedHoldMs)}`;
    return `  - ${statement.migration} statement ${statement.position} (${oneLine(statement.sql, 70)}) ${statement.verdict} of ${statement.blockedTables.map((t) => t.table).join(", ")} while it ${statement.work.map((w) => w.kind).join("/")}s ${tables.join(", ")}${hold}; fix: ${statement.fix}`;
  });
  const blindLines = blind.map((note) => `  - ${note.migration}: ${note.note}`);
  const names = [...new Set([...refused.map((s) => s.migration), ...blind.map((n) => n.migration)])];
  throw new MigrateError(
    "blocking-migration",
    [
      `Refused before running anything: ${names.join(", ")} would block the application on a table of more than ${formatRows(options.maxBlockingRows)} rows (measured on a scratch copy):`,
      ...lines,
      ...blindLines,
      `Rewrite it as the fix says, or after review pass --allow-blocking ${names[0]} (raise --max-blocking-rows to move the threshold).`,
    ].join("\n"),
    ExitCode.refused,
  );
}
