import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import type { Statement } from "@devtools-sync/migrate-core";
import type { Finding } from "./finding";

// The native binary itself, as squawk-cli's own `bin` script finds it: that script is a Node.js
// process that only starts the binary, and starting it costs more than Squawk's lint of a file.
const squawkBin: string = createRequire(import.meta.url)("squawk-cli/js/index.js").getBinaryPath();

/**
 * Squawk rules that do not apply to migrations run by apps/migrator, and why. Everything else
 * Squawk checks (its defaults) stays on.
 */
const excludedSquawkRules: Record<string, string> = {
  "require-lock-timeout":
    "the migrator sets lock_timeout (--lock-timeout, default 500 ms) on every migration's session",
  "require-statement-timeout":
    "a statement timeout would abort the long, non-blocking scans (VALIDATE CONSTRAINT, CREATE INDEX CONCURRENTLY) that make migrations safe",
  "ban-drop-table": "drops-data-without-marker covers it, and accepts a reviewed `-- drops-data:` marker",
  "ban-drop-column": "drops-data-without-marker covers it, and accepts a reviewed `-- drops-data:` marker",
  "renaming-column": "breaks-previous-version covers it, and accepts it in the contract of an expand/contract pair",
  "renaming-table": "breaks-previous-version covers it, and accepts it in the contract of an expand/contract pair",
};

/** This project's fix for a rule, where Squawk's `help` is missing or generic. */
const fixes: Record<string, string> = {
  "prefer-robust-stmts":
    "use IF NOT EXISTS / IF EXISTS: with CONCURRENTLY in it the file runs statement by statement, and a crash between a statement and its progress record runs that statement again",
  "constraint-missing-not-valid":
    "add the constraint NOT VALID in this migration and VALIDATE CONSTRAINT it in the next (see 0001/0002)",
  "adding-foreign-key-constraint":
    "add the foreign key NOT VALID, then VALIDATE CONSTRAINT it in a later migration, so neither table is locked while rows are checked",
  "require-concurrent-index-creation":
    "CREATE INDEX CONCURRENTLY, alone in a migration of its own (the migrator runs it outside a transaction)",
  "ban-concurrent-index-creation-in-transaction":
    "put CONCURRENTLY statements in a migration of their own, without other DDL",
};

interface SquawkViolation {
  line: number;
  message: string;
  help: string | null;
  rule_name: string;
}

/**
 * Runs Squawk on one migration file. `transactional` says whether the migrator wraps the file in a
 * transaction (it does not when a statement is CONCURRENTLY), which changes what is safe.
 */
export async function squawkFindings(
  path: string,
  file: string,
  transactional: boolean,
  statements: Statement[],
): Promise<Finding[]> {
  const args = [
    "--reporter",
    "json",
    "--pg-version",
    "17",
    "--exclude",
    Object.keys(excludedSquawkRules).join(","),
    transactional ? "--assume-in-transaction" : "--no-assume-in-transaction",
    path,
  ];
  const stdout = await new Promise<string>((resolve, reject) => {
    // Squawk exits 1 when it finds violations; only output that is not JSON is a failure.
    execFile(squawkBin, args, { maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => {
      if (out.trim().startsWith("[")) resolve(out);
      else reject(new Error(`squawk failed on ${file}: ${err.trim() || error?.message}`));
    });
  });
  const violations = JSON.parse(stdout) as SquawkViolation[];
  return violations
    .filter((violation) => !rerunSafe(violation, statements))
    .map((violation) => ({
      file,
      // Squawk counts lines from 0.
      line: violation.line + 1,
      rule: violation.rule_name,
      risk: violation.message.replace(/\s+/g, " ").trim(),
      fix:
        fixes[violation.rule_name] ??
        violation.help?.replace(/\s+/g, " ").trim() ??
        `see https://squawkhq.com/docs/${violation.rule_name}`,
    }));
}

// The migrator re-runs a named CREATE INDEX CONCURRENTLY safely: it skips the statement when the
// index is there and valid, and drops an invalid leftover of an interrupted build first
// (IF NOT EXISTS would keep that broken index instead).
const NAMED_CONCURRENT_INDEX = /^create (unique )?index concurrently (if not exists )?("(?:[^"]|"")+"|[\w$]+) on /i;

function rerunSafe(violation: SquawkViolation, statements: Statement[]): boolean {
  if (violation.rule_name !== "prefer-robust-stmts") return false;
  const line = violation.line + 1;
  const statement = statements.find((s) => line >= s.startLine && line <= s.endLine);
  return statement !== undefined && NAMED_CONCURRENT_INDEX.test(statement.sql);
}
