import type { LockPlan, StatementAssessment } from "./assess";
import type { LiveSession } from "./live-target";
import { modeName } from "./lock-modes";

// The lock plan for people: a table for the terminal and Markdown for a pull request comment.
// (`--json` prints the LockPlan object itself.)

export function formatRows(rows: number): string {
  return Math.round(rows).toLocaleString("en-US");
}

export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The statement on one line, comments dropped, cut to `width` characters. */
export function oneLine(sql: string, width: number): string {
  const line = sql
    .replace(/--[^\n]*/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** `pid 123 (app "web", idle in transaction for 4.2 s, holds ACCESS SHARE on orders)`. */
export function describeSession(session: LiveSession): string {
  const held = session.locks.filter((lock) => lock.granted).map((lock) => `${modeName(lock.mode)} on ${lock.table}`);
  const waiting = session.locks
    .filter((lock) => !lock.granted)
    .map((lock) => `${modeName(lock.mode)} on ${lock.table}`);
  const parts = [
    session.applicationName ? `app "${session.applicationName}"` : "no application_name",
    `${session.state || "in a transaction"} for ${formatMs(session.transactionAgeMs)}`,
    held.length > 0 ? `holds ${held.join(", ")}` : session.holdsSnapshot ? "holds a snapshot" : "",
    waiting.length > 0 ? `waits for ${waiting.join(", ")}` : "",
  ].filter(Boolean);
  return `pid ${session.pid} (${parts.join(", ")})`;
}

function size(statement: StatementAssessment): string {
  const tables = new Map(statement.work.map((item) => [item.table, item]));
  return [...tables.values()]
    .map((item) => `${item.table} ${formatRows(item.rows)} rows / ${formatBytes(item.bytes)}`)
    .join(", ");
}

function hold(statement: StatementAssessment): string {
  return statement.estimatedHoldMs === null ? "" : `~${formatMs(statement.estimatedHoldMs)}`;
}

function locks(statement: StatementAssessment): string {
  return statement.locks.map((lock) => `${modeName(lock.mode)} ${lock.table}`).join(", ");
}

const COLUMNS = ["migration", "#", "statement", "verdict", "locks", "work on (target size)", "est. hold"];

/** Rows of the table: one per statement. */
function rows(plan: LockPlan): string[][] {
  return plan.statements.map((statement) => [
    statement.migration,
    String(statement.position),
    oneLine(statement.sql, 48),
    statement.verdict,
    locks(statement),
    size(statement),
    hold(statement),
  ]);
}

/** Lines after the table: why and how to fix each risky statement, the sessions in the way, notes. */
function details(plan: LockPlan, bullet: string): string[] {
  const lines: string[] = [];
  for (const statement of plan.statements.filter((s) => s.verdict !== "safe")) {
    lines.push(
      `${bullet}${statement.migration} #${statement.position} ${statement.verdict}: ${statement.reason}${statement.fix ? `. Fix: ${statement.fix}` : ""}`,
    );
  }
  for (const risk of plan.cycles) lines.push(`${bullet}${risk.migration} lock cycle: ${risk.reason}`);
  for (const session of plan.blockers) lines.push(`${bullet}in the way now: ${describeSession(session)}`);
  for (const note of plan.notes) lines.push(`${bullet}${note.migration}: ${note.note}`);
  const empty = plan.samples.filter((sample) => sample.rows === 0 && sample.note);
  for (const sample of empty) lines.push(`${bullet}${sample.table} was measured without sample rows: ${sample.note}`);
  return lines;
}

const FOOTNOTE =
  "Locks, rewrites and scans are measured on a scratch copy of the schema with sample rows; sizes are the target's catalog statistics; hold times are estimates (target size ÷ throughput measured on the scratch copy).";

/** A fixed-width table for a terminal. */
export function formatLockPlanTable(plan: LockPlan): string {
  if (plan.statements.length === 0) return "Nothing pending: no lock to measure.";
  const table = [COLUMNS, ...rows(plan)];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
  const text = table.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  return [...text, "", ...details(plan, "  "), FOOTNOTE].join("\n");
}

/** Markdown for a pull request comment. */
export function formatLockPlanMarkdown(plan: LockPlan, title = "Lock plan"): string {
  const escapePipes = (cell: string) => cell.replace(/\|/g, "\\|");
  const table = [
    `| ${COLUMNS.join(" | ")} |`,
    `| ${COLUMNS.map(() => "---").join(" | ")} |`,
    ...rows(plan).map(
      (row) => `| ${row.map((cell, i) => (i === 2 ? `\`${escapePipes(cell)}\`` : escapePipes(cell))).join(" | ")} |`,
    ),
  ];
  const risky = plan.statements.filter((s) => s.verdict !== "safe").length;
  return [
    `### ${title}`,
    "",
    `PostgreSQL ${plan.serverVersion}: ${plan.statements.length} statement(s), ${risky} not safe; ${plan.cycles.length} migration(s) that could deadlock with the application (locks taken up front).`,
    "",
    ...(plan.statements.length > 0 ? table : ["Nothing pending."]),
    "",
    ...details(plan, "- "),
    "",
    `_${FOOTNOTE}_`,
  ].join("\n");
}
