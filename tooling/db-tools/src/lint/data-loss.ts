import type { Statement } from "@devtools-sync/migrate-core";
import type { Finding } from "./finding";

const DATA_LOSING: Array<{ test: (sql: string) => boolean; what: string }> = [
  { test: (sql) => /^drop table\b/i.test(sql), what: "DROP TABLE deletes the table and every row in it" },
  { test: dropsColumn, what: "DROP COLUMN deletes the column's values in every row" },
  { test: (sql) => /^truncate\b/i.test(sql), what: "TRUNCATE deletes every row" },
  { test: (sql) => /^delete from\b/i.test(sql), what: "DELETE removes rows" },
];

const NAME = String.raw`(?:"[^"]*"|[\w$]+)`;
const ALTER_TABLE = new RegExp(String.raw`^alter table (?:only )?(?:if exists )?${NAME}(?:\.${NAME})? `, "i");

/** `ALTER TABLE t DROP [COLUMN] c`, as any of the ALTER's comma-separated actions (not DROP CONSTRAINT). */
function dropsColumn(sql: string): boolean {
  const target = ALTER_TABLE.exec(sql);
  if (!target) return false;
  return sql
    .slice(target[0].length)
    .split(",")
    .some((action) => /^drop\b/i.test(action.trim()) && !/^drop constraint\b/i.test(action.trim()));
}

/** The marker that says a migration loses data on purpose: `-- drops-data: <what is lost>`. */
const MARKER = /^drops-data:\s*\S/;

/**
 * Statements that destroy stored data need a `-- drops-data: <what is lost>` line, directly above
 * the statement or among the comment lines the file opens with, so the loss is a reviewed decision.
 */
export function dataLossFindings(file: string, text: string, statements: Statement[]): Finding[] {
  const markedFile = openingComments(text).some((comment) => MARKER.test(comment));
  const findings: Finding[] = [];
  for (const statement of statements) {
    const loss = DATA_LOSING.find(({ test }) => test(statement.sql));
    if (!loss || markedFile || statement.comments.some((comment) => MARKER.test(comment))) continue;
    findings.push({
      file,
      line: statement.startLine,
      rule: "drops-data-without-marker",
      risk: `${loss.what}, and nothing in the migration says that is intended`,
      fix: "if the loss is intended, put `-- drops-data: <what is lost>` on the line above the statement; otherwise keep the data (rename, or copy it first)",
    });
  }
  return findings;
}

/** The `--` comments before the file's first statement (blank lines allowed), text after `--`. */
function openingComments(text: string): string[] {
  const comments: string[] = [];
  for (const line of text.split("\n")) {
    const comment = /^\s*--(.*)$/.exec(line);
    if (comment) comments.push((comment[1] as string).trim());
    else if (line.trim() !== "") break;
  }
  return comments;
}
