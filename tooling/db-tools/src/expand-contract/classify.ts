// Whether one statement of a migration keeps the application version before it working. During a
// deploy the previous version runs against the new schema until it is gone, so a change is
// compatible only if every query that version makes still succeeds. Statements are read as
// drizzle-kit writes them and as this repository writes custom ones (splitStatements' text: no
// comments, single spaces); what is not recognised is reported as breaking, for a reviewer.

import { splitStatements } from "@devtools-sync/migrate-core";

/** A statement's text as the classification reads it (no comments, single spaces). */
export const statementSql = (statement: string): string => splitStatements(statement)[0]?.sql ?? "";

/** The kinds of breaking change pnpm db:generate turns into an expand/contract pair. */
export type PairedKind =
  | "rename-column"
  | "rename-table"
  | "change-type"
  | "set-not-null"
  | "drop-column"
  | "change-default"
  | "add-check"
  | "add-foreign-key"
  | "add-unique"
  | "add-unique-index";

export type BreakingKind =
  | PairedKind
  | "drop-table"
  | "drop-default"
  | "add-required-column"
  | "add-constraint"
  | "enable-row-security"
  | "drop-policy"
  | "revoke"
  | "unrecognised";

export interface Classification {
  verdict: "compatible" | "breaking";
  /** For a breaking statement, which kind of change it is. */
  kind?: BreakingKind;
  /** One line: why the previous version survives it, or which of its queries fail. */
  reason: string;
  /** The table (unqualified) and column the statement changes, when it names them. */
  table?: string;
  column?: string;
}

export const NAME = String.raw`(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)`;
const QUALIFIED = String.raw`(?:${NAME}\.)?(${NAME})`;
const ALTER_TABLE = new RegExp(`^ALTER TABLE (?:ONLY )?(?:IF EXISTS )?${QUALIFIED} (.*)$`, "is");

/** An identifier as PostgreSQL reads it: quoted keeps its case, unquoted folds to lower case. */
export function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

/**
 * Classifies `sql` (one statement). `createdHere` holds the tables an earlier statement of the
 * same migration created, and its added columns as `<table>.<column>`: no previous version uses
 * them, so changing them is compatible.
 */
export function classifyStatement(sql: string, createdHere: ReadonlySet<string> = new Set()): Classification {
  const ok = (reason: string, table?: string): Classification => ({ verdict: "compatible", reason, table });
  const breaking = (kind: BreakingKind, reason: string, table?: string, column?: string): Classification => ({
    verdict: "breaking",
    kind,
    reason,
    table,
    column,
  });

  const create = new RegExp(`^CREATE (?:UNLOGGED )?TABLE (?:IF NOT EXISTS )?${QUALIFIED}`, "i").exec(sql);
  if (create) return ok("adds a table the previous version does not use", unquote(create[1] as string));

  const alter = ALTER_TABLE.exec(sql);
  if (alter) {
    const table = unquote(alter[1] as string);
    if (createdHere.has(table)) return ok("changes a table this migration creates", table);
    const verdicts = topLevelParts(alter[2] as string).map((action) =>
      onlyNewColumns(table, action, createdHere)
        ? ok("constrains only columns this migration adds, which the previous version does not write", table)
        : classifyAlterTable(table, action, ok, breaking),
    );
    return verdicts.find((verdict) => verdict.verdict === "breaking") ?? (verdicts[0] as Classification);
  }

  const index = new RegExp(`^CREATE (UNIQUE )?INDEX (CONCURRENTLY )?.*? ON (?:ONLY )?${QUALIFIED}`, "is").exec(sql);
  if (index) {
    const table = unquote(index[3] as string);
    if (index[1] && !createdHere.has(table) && !onlyNewColumns(table, sql, createdHere)) {
      return breaking("add-unique-index", "the previous version may write rows the new unique index refuses", table);
    }
    return ok("adds an index; reads and writes of the previous version are unchanged", table);
  }

  const dropTable = new RegExp(`^DROP TABLE (?:IF EXISTS )?${QUALIFIED}`, "i").exec(sql);
  if (dropTable) {
    return breaking("drop-table", "the previous version's queries of this table fail", unquote(dropTable[1] as string));
  }
  if (/^DROP POLICY\b/i.test(sql)) {
    return breaking(
      "drop-policy",
      "rows a dropped policy admitted are no longer visible or writable to the previous version",
    );
  }
  if (/^REVOKE\b/i.test(sql)) return breaking("revoke", "the previous version may use the privilege it revokes");
  if (/^DO\b/i.test(sql)) {
    // A DO block's effect is only in its body: judged by the commands it contains.
    return /\b(ALTER|DROP|REVOKE|RENAME|TRUNCATE|DELETE|UPDATE)\b/i.test(sql)
      ? breaking("unrecognised", "a DO block that alters, drops, revokes or changes rows: review what it does")
      : ok("a DO block that only creates or grants");
  }
  if (/^(DROP INDEX|DROP TRIGGER|DROP FUNCTION|DROP VIEW|DROP SCHEMA)\b/i.test(sql)) {
    return ok("drops an object the previous version's queries do not name");
  }
  if (/^ALTER TYPE .* ADD VALUE\b/i.test(sql)) return ok("adds an enum value; the previous values stay");
  if (/^(CREATE|GRANT|COMMENT|ALTER DEFAULT PRIVILEGES (IN SCHEMA \S+ )?(FOR ROLE \S+ )?GRANT)\b/i.test(sql)) {
    return ok("creates or grants; nothing the previous version uses changes");
  }
  if (/^(INSERT|UPDATE|DELETE|SELECT|SET|RESET|ALTER FUNCTION|ALTER ROLE|ALTER SCHEMA|ALTER VIEW)\b/i.test(sql)) {
    return ok("changes data or settings, not the shape the previous version queries");
  }
  return breaking("unrecognised", "not a statement this check knows: review whether the previous version survives it");
}

function classifyAlterTable(
  table: string,
  action: string,
  ok: (reason: string, table?: string) => Classification,
  breaking: (kind: BreakingKind, reason: string, table?: string, column?: string) => Classification,
): Classification {
  const renameColumn = new RegExp(`^RENAME (?:COLUMN )?(${NAME}) TO (${NAME})$`, "i").exec(action);
  if (renameColumn) {
    const column = unquote(renameColumn[1] as string);
    return breaking(
      "rename-column",
      `the previous version's queries name ${table}.${column}, which no longer exists`,
      table,
      column,
    );
  }
  if (new RegExp(`^RENAME TO ${NAME}$`, "i").test(action)) {
    return breaking("rename-table", `the previous version's queries name ${table}, which no longer exists`, table);
  }
  const dropColumn = new RegExp(`^DROP (?:COLUMN )?(?:IF EXISTS )?(${NAME})(?: CASCADE| RESTRICT)?$`, "i").exec(action);
  if (dropColumn && !/^DROP CONSTRAINT\b/i.test(action)) {
    const column = unquote(dropColumn[1] as string);
    return breaking("drop-column", `the previous version reads and writes ${table}.${column}`, table, column);
  }
  const alterColumn = new RegExp(`^ALTER (?:COLUMN )?(${NAME}) (.*)$`, "is").exec(action);
  if (alterColumn) {
    const column = unquote(alterColumn[1] as string);
    const change = alterColumn[2] as string;
    if (/^(SET DATA )?TYPE\b/i.test(change)) {
      return breaking(
        "change-type",
        `the previous version reads and writes ${table}.${column} as its old type`,
        table,
        column,
      );
    }
    if (/^SET NOT NULL$/i.test(change)) {
      return breaking("set-not-null", `the previous version may write NULL to ${table}.${column}`, table, column);
    }
    if (/^SET DEFAULT\b/i.test(change)) {
      return breaking(
        "change-default",
        `the previous version's inserts that omit ${table}.${column} would get the new default instead of the one it was built with`,
        table,
        column,
      );
    }
    if (/^DROP DEFAULT$/i.test(change)) {
      return breaking(
        "drop-default",
        `the previous version's inserts may rely on the default of ${table}.${column}`,
        table,
        column,
      );
    }
    return ok("relaxes a column; the previous version's queries still succeed", table);
  }
  const addColumn = new RegExp(`^ADD (?:COLUMN )?(?:IF NOT EXISTS )?(${NAME}) (.*)$`, "is").exec(action);
  if (addColumn && !/^ADD (CONSTRAINT|CHECK|FOREIGN|UNIQUE|PRIMARY|EXCLUDE)\b/i.test(action)) {
    const column = unquote(addColumn[1] as string);
    const definition = addColumn[2] as string;
    const filled = /\b(DEFAULT|GENERATED)\b/i.test(definition) || /^\s*(big|small)?serial\b/i.test(definition);
    if (/\bNOT NULL\b/i.test(definition) && !filled) {
      return breaking(
        "add-required-column",
        `the previous version's inserts omit ${table}.${column}, which is NOT NULL without a default`,
        table,
        column,
      );
    }
    return ok("adds a column the previous version can ignore (nullable or defaulted)", table);
  }
  const constraint = /^ADD (?:CONSTRAINT \S+ )?(CHECK|FOREIGN KEY|UNIQUE|PRIMARY KEY|EXCLUDE)\b/i.exec(action);
  if (constraint) {
    const kind = (
      { CHECK: "add-check", "FOREIGN KEY": "add-foreign-key", UNIQUE: "add-unique" } as Record<string, BreakingKind>
    )[(constraint[1] as string).toUpperCase()];
    return breaking(
      kind ?? "add-constraint",
      `the previous version may write rows of ${table} the new constraint refuses`,
      table,
    );
  }
  if (/^(ENABLE|FORCE) ROW LEVEL SECURITY$/i.test(action)) {
    return breaking(
      "enable-row-security",
      `the previous version's queries of ${table} see and write only the rows a policy admits`,
      table,
    );
  }
  if (
    /^(VALIDATE CONSTRAINT|DROP CONSTRAINT|OWNER TO|SET \(|RESET \(|DISABLE ROW LEVEL SECURITY|NO FORCE ROW LEVEL SECURITY)\b/i.test(
      action,
    )
  ) {
    return ok("validates, relaxes or re-owns; the previous version's queries still succeed", table);
  }
  if (/^(ENABLE|DISABLE) (ALWAYS |REPLICA )?TRIGGER\b/i.test(action)) {
    return ok("switches a trigger; the previous version's queries still succeed", table);
  }
  return breaking(
    "unrecognised",
    `an ALTER TABLE this check does not know: review whether the previous version survives it`,
    table,
  );
}

/**
 * Whether `action` (a foreign key or unique constraint, or CREATE UNIQUE INDEX) constrains only
 * columns an earlier statement of the migration added without a default (`createdHere` holds them
 * as `<table>.<column>`): the previous version leaves them NULL, which references nothing and
 * duplicates nothing. Not a CHECK (one may refuse NULL) nor NULLS NOT DISTINCT. Judged by the
 * quoted names drizzle-kit writes.
 */
function onlyNewColumns(table: string, action: string, createdHere: ReadonlySet<string>): boolean {
  if (/NULLS NOT DISTINCT/i.test(action)) return false;
  const constrained =
    /^ADD (?:CONSTRAINT \S+ )?(?:FOREIGN KEY|UNIQUE)\b(.*?)(?: REFERENCES .*)?$/is.exec(action)?.[1] ??
    /^CREATE UNIQUE INDEX .* ON (?:ONLY )?(?:\S+\.)?\S+ (?:USING \w+ )?\((.*)\)$/is.exec(action)?.[1];
  if (constrained === undefined) return false;
  const names = [...constrained.matchAll(/"((?:[^"]|"")*)"/g)].map((match) => (match[1] as string).replace(/""/g, '"'));
  return names.length > 0 && names.every((name) => createdHere.has(`${table}.${name}`));
}

/** The comma-separated actions of an ALTER TABLE, not splitting inside parentheses or quotes. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote) {
      if (char === quote) quote = null;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === "(") depth++;
    else if (char === ")") depth--;
    else if (char === "," && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/**
 * Classifies each statement of one migration in order (`sql` as splitStatements reads it), so a
 * table created, or a column added, by an earlier statement counts as new for the later ones.
 */
export function classifyMigration(statements: string[]): Classification[] {
  const created = new Set<string>();
  return statements.map((sql) => {
    const verdict = classifyStatement(sql, created);
    if (/^CREATE (UNLOGGED )?TABLE/i.test(sql) && verdict.table) created.add(verdict.table);
    const alter = ALTER_TABLE.exec(sql);
    for (const action of alter ? topLevelParts(alter[2] as string) : []) {
      const added = new RegExp(`^ADD (?:COLUMN )?(?:IF NOT EXISTS )?(${NAME}) `, "i").exec(action)?.[1];
      const nullOnly = !/\b(DEFAULT|GENERATED|NOT NULL)\b|^\S+ \S+ (big|small)?serial\b/i.test(action);
      if (added && nullOnly && !/^ADD (CONSTRAINT|CHECK|FOREIGN|UNIQUE|PRIMARY|EXCLUDE)\b/i.test(action)) {
        created.add(`${unquote(alter?.[1] as string)}.${unquote(added)}`);
      }
    }
    return verdict;
  });
}
