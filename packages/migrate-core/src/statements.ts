// The one place that reads SQL text as statements: the migrator decides from it whether a migration
// (or down migration) runs in a transaction, and the migration lint (tooling/db-tools) judges and
// locates each statement with it, so the two never disagree about a file.

/** One SQL statement of a migration file, with where it sits (1-based, inclusive lines). */
export interface Statement {
  /** The statement's text without comments, collapsed to single spaces. */
  sql: string;
  startLine: number;
  endLine: number;
  /** The `--` comment lines directly above the statement (no blank line between), text after `--`. */
  comments: string[];
}

/** What the scan stops at: comments, quotes, dollar-quote openings (`$$`, `$body$`) and `;`. */
const SPECIAL = /--|\/\*|\$[A-Za-z_]*\$|['";]/g;

/**
 * Splits SQL text into statements at top-level semicolons, skipping `--` and `/* *\/` comments,
 * quoted strings and identifiers, and `$tag$` bodies, so a function body's semicolons stay inside
 * its CREATE FUNCTION. One pass that copies runs of plain text: the migrator reads every migration
 * file with it on each run.
 */
export function splitStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  let code = "";
  let start: number | undefined;
  /** Where the line of the statement's first character begins in `text`. */
  let startLineAt = 0;
  let line = 1;
  let i = 0;
  const finish = () => {
    const sql = code.replace(/\s+/g, " ").trim();
    if (sql !== "" && start !== undefined) {
      statements.push({ sql, startLine: start, endLine: line, comments: commentsAbove(text, startLineAt) });
    }
    code = "";
    start = undefined;
  };
  /** Keeps text[from, to) as code; a statement starts on the line of its first non-blank character. */
  const keep = (from: number, to: number) => {
    if (start === undefined) {
      NON_BLANK.lastIndex = from;
      const first = NON_BLANK.exec(text);
      if (first && first.index < to) {
        start = line + newlines(text, from, first.index);
        startLineAt = text.lastIndexOf("\n", first.index) + 1;
      }
    }
    code += text.slice(from, to);
    line += newlines(text, from, to);
  };
  while (i < text.length) {
    SPECIAL.lastIndex = i;
    const match = SPECIAL.exec(text);
    const at = match ? match.index : text.length;
    if (at > i) keep(i, at);
    if (!match) break;
    const found = match[0];
    let end: number;
    if (found === ";") {
      finish();
      end = at + 1;
    } else if (found === "--") {
      end = indexOrEnd(text, "\n", at);
    } else if (found === "/*") {
      end = Math.min(indexOrEnd(text, "*/", at + 2) + 2, text.length);
      line += newlines(text, at, end);
      code += " ";
    } else {
      end = found === "'" || found === '"' ? quoteEnd(text, at, found) : dollarEnd(text, at, found);
      keep(at, end);
    }
    i = end;
  }
  finish();
  return statements;
}

const NON_BLANK = /\S/g;

const indexOrEnd = (text: string, search: string, from: number) => {
  const index = text.indexOf(search, from);
  return index === -1 ? text.length : index;
};

/** Just past the quote closing the one at `at` (a doubled quote stays inside). */
function quoteEnd(text: string, at: number, quote: string): number {
  let close = text.indexOf(quote, at + 1);
  while (close !== -1 && text[close + 1] === quote) close = text.indexOf(quote, close + 2);
  return close === -1 ? text.length : close + 1;
}

/** Just past the `$tag$` closing the body opened at `at`. */
function dollarEnd(text: string, at: number, tag: string): number {
  const close = text.indexOf(tag, at + tag.length);
  return close === -1 ? text.length : close + tag.length;
}

function newlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let index = text.indexOf("\n", from); index !== -1 && index < to; index = text.indexOf("\n", index + 1)) count++;
  return count;
}

/**
 * Whether the migrator runs a migration file of these statements in one transaction: not when one
 * uses CONCURRENTLY (in code, not in a comment), which PostgreSQL refuses inside a transaction;
 * then each statement commits alone and progress is recorded between them.
 */
export function runsInTransaction(statements: Statement[]): boolean {
  return !statements.some((statement) => /\bconcurrently\b/i.test(statement.sql));
}

/** The `--` comment lines directly above the line that begins at `lineAt`, read upwards. */
function commentsAbove(text: string, lineAt: number): string[] {
  const comments: string[] = [];
  for (let end = lineAt - 1; end >= 0; ) {
    const begin = text.lastIndexOf("\n", end - 1) + 1;
    const match = /^\s*--(?!>)(.*)$/.exec(text.slice(begin, end));
    if (!match) break;
    comments.unshift((match[1] as string).trim());
    end = begin - 1;
  }
  return comments;
}
