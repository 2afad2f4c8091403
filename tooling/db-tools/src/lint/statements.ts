/** One SQL statement of a migration file, with where it sits (1-based, inclusive lines). */
export interface Statement {
  /** The statement's text without comments, collapsed to single spaces. */
  sql: string;
  startLine: number;
  endLine: number;
  /** The `--` comment lines directly above the statement (no blank line between), text after `--`. */
  comments: string[];
}

/**
 * Splits SQL text into statements at top-level semicolons, skipping `--` and `/* *\/` comments,
 * quoted strings and identifiers, and `$tag$` bodies, so a function body's semicolons stay inside
 * its CREATE FUNCTION.
 */
export function splitStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  const lines = text.split("\n");
  let code = "";
  let start: number | undefined;
  let line = 1;
  let i = 0;
  const finish = (endLine: number) => {
    const sql = code.replace(/\s+/g, " ").trim();
    if (sql !== "" && start !== undefined) {
      statements.push({ sql, startLine: start, endLine, comments: commentsAbove(lines, start) });
    }
    code = "";
    start = undefined;
  };
  while (i < text.length) {
    const char = text[i] as string;
    const rest = text.slice(i, i + 2);
    let token: string;
    if (rest === "--") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (rest === "/*") {
      const end = text.indexOf("*/", i + 2);
      const comment = text.slice(i, end === -1 ? text.length : end + 2);
      line += comment.split("\n").length - 1;
      i += comment.length;
      code += " ";
      continue;
    }
    const dollar = char === "$" ? /^\$[A-Za-z_]*\$/.exec(text.slice(i)) : null;
    if (dollar) {
      const end = text.indexOf(dollar[0], i + dollar[0].length);
      token = text.slice(i, end === -1 ? text.length : end + dollar[0].length);
    } else if (char === "'" || char === '"') {
      let end = i + 1;
      while (end < text.length && !(text[end] === char && text[end + 1] !== char)) {
        end += text[end] === char ? 2 : 1;
      }
      token = text.slice(i, end + 1);
    } else {
      token = char;
    }
    if (token === ";") {
      finish(line);
    } else {
      if (start === undefined && token.trim() !== "") start = line;
      code += token;
    }
    line += token.split("\n").length - 1;
    i += token.length;
  }
  finish(line);
  return statements;
}

function commentsAbove(lines: string[], startLine: number): string[] {
  const comments: string[] = [];
  for (let index = startLine - 2; index >= 0; index--) {
    const match = /^\s*--(?!>)(.*)$/.exec(lines[index] as string);
    if (!match) break;
    comments.unshift((match[1] as string).trim());
  }
  return comments;
}
