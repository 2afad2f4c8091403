import type { Statement } from "@devtools-sync/migrate-core";
import type { Finding } from "./finding";

/** An intentional exception: `-- lint-ignore <rule>: <reason>` in the migration or its sidecar. */
interface Waiver {
  /** The file it is written in (the migration, or its `.lint-ignore` sidecar). */
  file: string;
  rule: string;
  line: number;
  /** Lines of the migration it covers: one statement, or the whole file for `lint-ignore-file`. */
  from: number;
  to: number;
  used: boolean;
}

/** A file's text with the label its findings carry (`migrations/0000_x.sql`). */
export interface LabelledText {
  file: string;
  text: string;
}

const WAIVER = /^\s*--\s*lint-ignore(-file)?\s+([a-z0-9-]+)\s*(?::\s*(.*))?$/;

export const SIDECAR_EXTENSION = ".lint-ignore";

/**
 * The sidecar of a migration (`0000_x.sql` → `0000_x.lint-ignore`): its whole-file waivers, for a
 * migration that was committed and so can no longer change, not even in its comments.
 */
export function sidecarOf(file: string): string {
  return file.replace(/\.sql$/, SIDECAR_EXTENSION);
}

/**
 * Drops the findings a waiver covers and adds findings for waivers that are malformed (no reason),
 * waive nothing (stale), or sit above no statement. In the migration, `-- lint-ignore <rule>: <reason>`
 * covers the statement directly below it and `-- lint-ignore-file <rule>: <reason>` the whole file;
 * its sidecar holds only `-- lint-ignore-file` lines, other `--` comments and blank lines.
 */
export function applyWaivers(
  migration: LabelledText,
  statements: Statement[],
  findings: Finding[],
  sidecar?: LabelledText,
): Finding[] {
  const lineCount = migration.text.split("\n").length;
  const waivers: Waiver[] = [];
  const problems: Finding[] = [];
  migration.text.split("\n").forEach((content, index) => {
    const match = WAIVER.exec(content);
    if (!match) return;
    const waiver = parseWaiver(migration.file, index + 1, match, problems);
    if (!waiver) return;
    if (match[1]) {
      waivers.push({ ...waiver, from: 1, to: lineCount });
      return;
    }
    const statement = statements.find((candidate) => candidate.startLine > waiver.line);
    const directlyBelow = statement && statement.startLine - waiver.line <= statement.comments.length;
    if (!statement || !directlyBelow) {
      problems.push({
        file: migration.file,
        line: waiver.line,
        rule: "misplaced-waiver",
        risk: `the waiver of ${waiver.rule} is not directly above a statement, so it waives nothing`,
        fix: "put the -- lint-ignore line right above the statement it excuses (only comment lines between)",
      });
      return;
    }
    waivers.push({ ...waiver, from: statement.startLine, to: statement.endLine });
  });
  if (sidecar) waivers.push(...sidecarWaivers(sidecar, lineCount, problems));
  const kept = findings.filter((finding) => {
    const waiver = waivers.find((w) => w.rule === finding.rule && finding.line >= w.from && finding.line <= w.to);
    if (waiver) waiver.used = true;
    return !waiver;
  });
  for (const waiver of waivers.filter((w) => !w.used)) {
    problems.push({
      file: waiver.file,
      line: waiver.line,
      rule: "unused-waiver",
      risk: `nothing here breaks ${waiver.rule} any more, so the waiver would silently excuse a future problem`,
      fix: "delete the -- lint-ignore line",
    });
  }
  return [...kept, ...problems];
}

/** The whole-file waivers of a sidecar; any other line but a blank or a `--` comment is a finding. */
function sidecarWaivers(sidecar: LabelledText, lineCount: number, problems: Finding[]): Waiver[] {
  const waivers: Waiver[] = [];
  sidecar.text.split("\n").forEach((content, index) => {
    const line = index + 1;
    const match = WAIVER.exec(content);
    if (match?.[1]) {
      const waiver = parseWaiver(sidecar.file, line, match, problems);
      if (waiver) waivers.push({ ...waiver, from: 1, to: lineCount });
    } else if (match || !/^\s*(--.*)?$/.test(content)) {
      problems.push({
        file: sidecar.file,
        line,
        rule: "misplaced-waiver",
        risk: `a ${SIDECAR_EXTENSION} file holds only whole-file waivers and comments, so this line waives nothing`,
        fix: "write it as -- lint-ignore-file <rule>: <reason> (or as a -- comment)",
      });
    }
  });
  return waivers;
}

/** The waiver a matched line declares, or undefined (and a finding) when it gives no reason. */
function parseWaiver(
  file: string,
  line: number,
  match: RegExpExecArray,
  problems: Finding[],
): Omit<Waiver, "from" | "to"> | undefined {
  const [, wholeFile, rule = "", reason = ""] = match;
  if (reason.trim() === "") {
    problems.push({
      file,
      line,
      rule: "waiver-without-reason",
      risk: `the waiver of ${rule} does not say why the exception is safe, so no reviewer can check it`,
      fix: `write the reason after a colon: -- lint-ignore${wholeFile ?? ""} ${rule}: <why this is safe here>`,
    });
    return undefined;
  }
  return { file, rule, line, used: false };
}
