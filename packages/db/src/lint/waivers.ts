import type { Finding } from "./finding";
import type { Statement } from "./statements";

/** An intentional exception written in the migration: `-- lint-ignore <rule>: <reason>`. */
interface Waiver {
  rule: string;
  line: number;
  /** Lines it covers: one statement, or the whole file for `lint-ignore-file`. */
  from: number;
  to: number;
  used: boolean;
}

const WAIVER = /^\s*--\s*lint-ignore(-file)?\s+([a-z0-9-]+)\s*(?::\s*(.*))?$/;

/**
 * Drops the findings a waiver covers and adds findings for waivers that are malformed (no reason),
 * waive nothing (stale), or sit above no statement. `-- lint-ignore <rule>: <reason>` covers the
 * statement directly below it; `-- lint-ignore-file <rule>: <reason>` covers the whole file.
 */
export function applyWaivers(file: string, text: string, statements: Statement[], findings: Finding[]): Finding[] {
  const lines = text.split("\n");
  const waivers: Waiver[] = [];
  const problems: Finding[] = [];
  lines.forEach((content, index) => {
    const match = WAIVER.exec(content);
    if (!match) return;
    const line = index + 1;
    const [, wholeFile, rule = "", reason = ""] = match;
    if (reason.trim() === "") {
      problems.push({
        file,
        line,
        rule: "waiver-without-reason",
        risk: `the waiver of ${rule} does not say why the exception is safe, so no reviewer can check it`,
        fix: `write the reason after a colon: -- lint-ignore${wholeFile ?? ""} ${rule}: <why this is safe here>`,
      });
      return;
    }
    if (wholeFile) {
      waivers.push({ rule, line, from: 1, to: lines.length, used: false });
      return;
    }
    const statement = statements.find((candidate) => candidate.startLine > line);
    const directlyBelow = statement && statement.startLine - line <= statement.comments.length;
    if (!statement || !directlyBelow) {
      problems.push({
        file,
        line,
        rule: "misplaced-waiver",
        risk: `the waiver of ${rule} is not directly above a statement, so it waives nothing`,
        fix: "put the -- lint-ignore line right above the statement it excuses (only comment lines between)",
      });
      return;
    }
    waivers.push({ rule, line, from: statement.startLine, to: statement.endLine, used: false });
  });
  const kept = findings.filter((finding) => {
    const waiver = waivers.find((w) => w.rule === finding.rule && finding.line >= w.from && finding.line <= w.to);
    if (waiver) waiver.used = true;
    return !waiver;
  });
  for (const waiver of waivers.filter((w) => !w.used)) {
    problems.push({
      file,
      line: waiver.line,
      rule: "unused-waiver",
      risk: `nothing here breaks ${waiver.rule} any more, so the waiver would silently excuse a future problem`,
      fix: "delete the -- lint-ignore line",
    });
  }
  return [...kept, ...problems];
}
