import { versionSchemaName } from "@devtools-sync/db/client";
import { type Classification, classifyMigration, NAME, statementSql, unquote } from "./classify";

// Turns the statements drizzle-kit generated for one schema change into an expand migration that
// both the previous and the new application version survive, and a contract migration that
// removes the old shape once the previous version is gone (the file format is in
// migrations/README.md). The new version sees its shape through the views of a version schema
// (`v_<expand tag>`, see createDb's schemaVersion), as pgroll does; the previous version keeps
// using the tables. Views are `security_invoker`, so row-level security applies to the caller.

/** The parts of a drizzle-kit (0.31, PostgreSQL) snapshot the plan reads. */
export interface Snapshot {
  tables: Record<string, SnapshotTable>;
}
interface SnapshotTable {
  name: string;
  schema: string;
  columns: Record<string, SnapshotColumn>;
  indexes: Record<string, { columns: { expression: string; isExpression?: boolean }[]; where?: string }>;
  foreignKeys: Record<
    string,
    { tableFrom: string; columnsFrom: string[]; tableTo: string; schemaTo?: string; columnsTo: string[] }
  >;
  compositePrimaryKeys: Record<string, { columns: string[] }>;
  uniqueConstraints: Record<string, { columns: string[]; nullsNotDistinct?: boolean }>;
}
interface SnapshotColumn {
  name: string;
  type: string;
  typeSchema?: string;
  primaryKey: boolean;
  notNull: boolean;
  default?: string | number | boolean;
}

export interface PairPlan {
  /** The statements of the expand migration (compatible ones of the change included), in order. */
  expand: string[];
  /** Tables the migrator backfills after the expand (`-- backfill:` lines). */
  backfill: string[];
  /** What undoes the expand: the pair's own additions, newest first. */
  expandDown: string[];
  contract: string[];
  /** One line per breaking change: what the pair does about it (`-- expand:` line). */
  changes: string[];
  /** Whether the contract deletes stored data (a dropped column or table). */
  dropsData: string[];
}

/** Why a change cannot be written as a pair; the message is one line naming what to do. */
export class NotPairable extends Error {}

interface Input {
  /** The tag the expand migration gets; names the version schema. */
  expandTag: string;
  /** drizzle-kit's statements, in its order. */
  statements: string[];
  before: Snapshot;
  after: Snapshot;
  /**
   * What a row the previous version writes gets instead of a value the new rule refuses, by
   * `<table>.<column>`: an SQL expression over the row's columns (pnpm db:generate --up), as
   * pgroll's `up`.
   */
  up?: Record<string, string>;
}

/** The reviewed reason an expand's NOT VALID constraint refuses no write of the previous version. */
const FILLED_FIRST =
  "-- lint-ignore breaks-previous-version: the trigger above fixes the row before the constraint sees it, so no write of the previous version is refused";

interface View {
  /** The physical table. */
  table: string;
  /** New column → physical column, where they differ. */
  columns: Map<string, string>;
  /** Column → the default the new version's inserts get through the view. */
  defaults: Map<string, string>;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const SHADOW = (column: string) => `_new_${column}`;

export function planExpandContract({ expandTag, statements, before, after, up = {} }: Input): PairPlan {
  const schema = versionSchemaName(expandTag);
  const plan: PairPlan = { expand: [], backfill: [], expandDown: [], contract: [], changes: [], dropsData: [] };
  const contractFirst: string[] = [];
  const cleanup: string[] = [];
  /**
   * The version schema's views, dropped first: a new-version query holds its view while it waits
   * for the table, so a contract that locked the table (DROP TRIGGER) before dropping the view
   * would wait for that query while it waits for the contract, a lock cycle under load.
   */
  const dropViews: string[] = [];
  /** Per table of the new shape (by new name): its physical table and new column → physical column. */
  const views = new Map<string, View>();
  const viewOf = (newTable: string, physical = newTable) => {
    let view = views.get(newTable);
    if (!view) {
      view = { table: physical, columns: new Map(), defaults: new Map() };
      views.set(newTable, view);
    }
    return view;
  };
  const verdicts = classifyMigration(statements.map((statement) => statementSql(statement)));
  const touched = new Set<string>();
  plan.expand.push(`CREATE SCHEMA ${q(schema)};`);

  for (const [index, statement] of statements.entries()) {
    const sql = statementSql(statement);
    const verdict = verdicts[index] as Classification;
    if (verdict.verdict === "compatible") {
      plan.expand.push(statement);
      continue;
    }
    const { table = "", column = "" } = verdict;
    // A rule on a table names no column: each is its own change (several may share a table).
    const key = column ? `${table}.${column}` : `${table}#${index}`;
    if (touched.has(key) || touched.has(table)) {
      throw new NotPairable(
        `${key} changes twice in one migration (${sql}): generate one breaking change per column at a time (pnpm db:generate after each)`,
      );
    }
    touched.add(verdict.kind === "rename-table" ? table : key);
    switch (verdict.kind) {
      case "rename-column": {
        const renamed = /RENAME (?:COLUMN )?\S+ TO ("(?:[^"]|"")*"|\S+)$/i.exec(sql)?.[1] ?? "";
        const newName = renamed.startsWith('"') ? renamed.slice(1, -1) : renamed;
        viewOf(table).columns.set(newName, column);
        contractFirst.push(statement);
        plan.changes.push(`rename ${table}.${column} to ${newName}`);
        break;
      }
      case "rename-table": {
        const newName = /RENAME TO ("(?:[^"]|"")*"|\S+)$/i.exec(sql)?.[1]?.replace(/^"|"$/g, "") ?? "";
        if (statements.some((other) => other !== statement && new RegExp(`"${newName}"`).test(other))) {
          throw new NotPairable(
            `${table} is renamed to ${newName} and changed in the same migration: rename it alone first (pnpm db:generate), then change it`,
          );
        }
        viewOf(newName, table);
        contractFirst.push(statement);
        plan.changes.push(`rename table ${table} to ${newName}`);
        break;
      }
      case "change-type":
        changeType(plan, schema, viewOf(table), table, column, before, after, contractFirst, cleanup);
        break;
      case "set-not-null":
        setNotNull(plan, { schema, table, before, up, contractFirst, cleanup }, column, after);
        break;
      case "add-check":
        addCheck(plan, { schema, table, before, up, contractFirst, cleanup }, sql);
        break;
      case "add-foreign-key":
        addForeignKey(plan, { schema, table, before, up, contractFirst, cleanup }, sql, after);
        break;
      case "add-unique":
      case "add-unique-index":
        addUnique(plan, { schema, table, before, up, contractFirst, cleanup }, sql, after);
        break;
      case "change-default": {
        const value = /SET DEFAULT (.*)$/is.exec(sql)?.[1] ?? "";
        viewOf(table).defaults.set(column, value);
        plan.contract.push(statement);
        plan.changes.push(
          `change the default of ${table}.${column} to ${value} (the previous version's inserts keep the old one until the contract)`,
        );
        break;
      }
      case "drop-column": {
        const old = columnOf(before, table, column);
        if (old.notNull && old.default === undefined && !old.primaryKey) {
          plan.expand.push(
            `-- lint-ignore ban-drop-not-null: the new version no longer writes ${column}; the previous one still does, and reads NULL only in rows the new one wrote\nALTER TABLE ${q(table)} ALTER COLUMN ${q(column)} DROP NOT NULL;`,
          );
          plan.expandDown.push(
            `-- lint-ignore adding-not-nullable-field: going back restores NOT NULL, at the price of one scan under the lock (it fails, changing nothing, if the new version wrote rows without ${column})\nALTER TABLE ${q(table)} ALTER COLUMN ${q(column)} SET NOT NULL;`,
          );
        }
        plan.contract.push(statement);
        plan.dropsData.push(`column ${table}.${column} and its values`);
        plan.changes.push(`drop ${table}.${column} (the new version no longer writes it)`);
        break;
      }
      case "drop-table":
        plan.contract.push(statement);
        plan.dropsData.push(`table ${table} and its rows`);
        plan.changes.push(`drop table ${table} (the new version no longer uses it)`);
        break;
      case "drop-default":
        plan.contract.push(statement);
        plan.changes.push(`drop the default of ${table}.${column} once no version relies on it`);
        break;
      default:
        throw unsupported(sql, verdict);
    }
  }

  for (const [name, view] of views) {
    const shape = tableOf(after, name);
    const select = Object.values(shape.columns)
      .map(({ name: column }) => {
        const physical = view.columns.get(column) ?? column;
        return physical === column ? q(column) : `${q(physical)} AS ${q(column)}`;
      })
      .join(", ");
    const qualified = `${q(schema)}.${q(name)}`;
    plan.expand.push(
      `CREATE VIEW ${qualified} WITH (security_invoker = true) AS SELECT ${select} FROM "public".${q(view.table)};`,
    );
    // Auto-updatable views fall back to the table's defaults, except for a shadow column's and
    // a default the new version changes.
    for (const [column, physical] of view.columns) {
      const value = shape.columns[column]?.default;
      if (physical === SHADOW(column) && value !== undefined) view.defaults.set(column, String(value));
    }
    for (const [column, value] of view.defaults) {
      plan.expand.push(`ALTER VIEW ${qualified} ALTER COLUMN ${q(column)} SET DEFAULT ${value};`);
    }
    plan.expand.push(grantsLike(`"public".${q(view.table)}`, qualified, schema));
    dropViews.push(`DROP VIEW ${qualified};`);
  }
  plan.contract = [
    ...dropViews,
    ...contractFirst.filter((s) => !/RENAME/i.test(s)),
    ...cleanup,
    ...renames(contractFirst),
    ...plan.contract,
  ];
  plan.contract.push(`DROP SCHEMA ${q(schema)};`);
  plan.expandDown = [...dropViews, ...cleanup, ...plan.expandDown.reverse(), `DROP SCHEMA ${q(schema)};`];
  return plan;
}

/** The renames, which must run after the views and triggers over the old names are gone. */
function renames(statements: string[]): string[] {
  return statements.filter((statement) => /RENAME/i.test(statement));
}

function changeType(
  plan: PairPlan,
  schema: string,
  view: { columns: Map<string, string> },
  table: string,
  column: string,
  before: Snapshot,
  after: Snapshot,
  contractFirst: string[],
  cleanup: string[],
) {
  const old = columnOf(before, table, column);
  const next = columnOf(after, table, column);
  const used = usedBy(tableOf(before, table), column);
  if (used) {
    throw new NotPairable(
      `${table}.${column} changes type but is part of ${used}, which the shadow column would have to rebuild: write this migration by hand as an expand/contract pair (pnpm db:generate --custom) or change the type in a reviewed single migration`,
    );
  }
  const shadow = SHADOW(column);
  const [oldType, newType] = [typeOf(old), typeOf(next)];
  const fn = `${q(schema)}.${q(`sync_${table}_${column}`)}`;
  const trigger = lastTrigger(table, `sync_${column}`);
  const check = q(`${table}_${shadow}_not_null`.slice(0, 63));
  plan.expand.push(
    `ALTER TABLE ${q(table)} ADD COLUMN ${q(shadow)} ${newType};`,
    // Inserts: the new version writes the shadow (through the view), the previous one the column.
    // Updates: whichever side changed wins; an untouched NULL shadow is filled (the backfill's touch).
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.${q(shadow)} IS NOT NULL THEN NEW.${q(column)} := NEW.${q(shadow)}::${oldType};
    ELSE NEW.${q(shadow)} := NEW.${q(column)}::${newType}; END IF;
  ELSIF NEW.${q(shadow)} IS DISTINCT FROM OLD.${q(shadow)} THEN
    NEW.${q(column)} := NEW.${q(shadow)}::${oldType};
  ELSIF NEW.${q(column)} IS DISTINCT FROM OLD.${q(column)} OR NEW.${q(shadow)} IS NULL THEN
    NEW.${q(shadow)} := NEW.${q(column)}::${newType};
  END IF;${keepUpdatedAt(tableOf(before, table))}
  RETURN NEW;
END $$;`,
    `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON ${q(table)} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
  );
  if (next.notNull) {
    plan.expand.push(
      `${FILLED_FIRST}\nALTER TABLE ${q(table)} ADD CONSTRAINT ${check} CHECK (${q(shadow)} IS NOT NULL) NOT VALID;`,
    );
    contractFirst.push(`ALTER TABLE ${q(table)} VALIDATE CONSTRAINT ${check};`);
  }
  if (!plan.backfill.includes(table)) plan.backfill.push(table);
  view.columns.set(column, shadow);
  cleanup.push(`DROP TRIGGER ${trigger} ON ${q(table)};`, `DROP FUNCTION ${fn}();`);
  plan.expandDown.push(
    `-- drops-data: ${table}.${shadow}, a copy of ${column} in the new type (the trigger kept ${column} current)\nALTER TABLE ${q(table)} DROP COLUMN ${q(shadow)};`,
  );
  plan.contract.push(
    `-- drops-data: ${table}.${column} in its old type (${shadow} holds every value, converted)\nALTER TABLE ${q(table)} DROP COLUMN ${q(column)};`,
    `ALTER TABLE ${q(table)} RENAME COLUMN ${q(shadow)} TO ${q(column)};`,
    ...(next.notNull
      ? [
          `ALTER TABLE ${q(table)} ALTER COLUMN ${q(column)} SET NOT NULL;`,
          `ALTER TABLE ${q(table)} DROP CONSTRAINT ${check};`,
        ]
      : []),
    ...(next.default !== undefined
      ? [`ALTER TABLE ${q(table)} ALTER COLUMN ${q(column)} SET DEFAULT ${next.default};`]
      : []),
  );
  plan.changes.push(`change the type of ${table}.${column} from ${oldType} to ${newType} (shadow column ${shadow})`);
}

/** Where a kind's statements go, and what it reads: shared by the kinds that guard a new rule. */
interface Context {
  schema: string;
  table: string;
  before: Snapshot;
  up: Record<string, string>;
  contractFirst: string[];
  cleanup: string[];
}

/**
 * Keeps the previous version's writes within a rule the new version adds (pgroll's `up`, applied
 * in place, as for NOT NULL): a trigger gives a row that `violates` it the `fixes` (column, SQL
 * expression over the row's columns) before any constraint sees the row, and the migrator's
 * backfill touches every row written before the expand so the trigger fixes those too. A write of
 * the new version (its connections put the version schema on search_path, as pgroll tells them
 * apart) is not fixed: the constraint refuses it, or `refuseNew` does where there is none yet.
 * No `SET search_path` on the function, so it can read the writer's; it runs as the writer
 * (SECURITY INVOKER) and names every relation with its schema.
 */
function guardRows(
  plan: PairPlan,
  ctx: Context,
  what: string,
  violates: string,
  fixes: [string, string][],
  refuseNew = "",
) {
  const { schema, table } = ctx;
  const fn = `${q(schema)}.${q(`${what}_${table}`)}`;
  const trigger = lastTrigger(table, what);
  const assignments = fixes
    .map(([column, fix]) => `NEW.${q(column)} := (SELECT ${fix} FROM ${theRow(table)});`)
    .join(" ");
  const previous = `pg_catalog.strpos(pg_catalog.current_setting('search_path'), '${schema}') = 0`;
  plan.expand.push(
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF ${violates} THEN
    IF ${previous} THEN ${assignments}${refuseNew ? `\n    ELSE ${refuseNew}` : ""}
    END IF;
  END IF;${keepUpdatedAt(tableOf(ctx.before, table))}
  RETURN NEW;
END $$;`,
    `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON "public".${q(table)} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
  );
  if (!plan.backfill.includes(table)) plan.backfill.push(table);
  ctx.cleanup.push(`DROP TRIGGER ${trigger} ON ${q(table)};`, `DROP FUNCTION ${fn}();`);
}

/** The developer's `--up` for each of `columns` that has one; refuses in one line when none has. */
function fixesFor(ctx: Context, rule: string, columns: string[]): [string, string][] {
  const fixes = columns.flatMap((column) => {
    const fix = ctx.up[`${ctx.table}.${column}`];
    return fix === undefined ? [] : [[column, fix] as [string, string]];
  });
  if (fixes.length === 0) {
    throw new NotPairable(
      `${ctx.table} gets ${rule}, which rows the previous version writes may break: say what such a row gets instead, as an SQL expression over its columns, with pnpm db:generate --up '${ctx.table}.${columns[0] ?? "<column>"}=<expression>'${columns.length > 1 ? ` (or another of ${columns.join(", ")})` : ""}`,
    );
  }
  return fixes;
}

function setNotNull(plan: PairPlan, ctx: Context, column: string, after: Snapshot) {
  const { table } = ctx;
  const fill =
    ctx.up[`${table}.${column}`] ??
    columnOf(after, table, column).default ??
    columnOf(ctx.before, table, column).default;
  if (fill === undefined) {
    throw new NotPairable(
      `${table}.${column} becomes NOT NULL without a default, so nothing fills the NULLs the previous version still writes: give it a default in the TypeScript table (.default(...)), or say what such a row gets with pnpm db:generate --up '${table}.${column}=<SQL expression over the row>'`,
    );
  }
  const check = q(`${table}_${column}_check_not_null`.slice(0, 63));
  guardRows(plan, ctx, `fill_${column}`, `NEW.${q(column)} IS NULL`, [[column, String(fill)]]);
  plan.expand.push(
    `${FILLED_FIRST}\nALTER TABLE ${q(table)} ADD CONSTRAINT ${check} CHECK (${q(column)} IS NOT NULL) NOT VALID;`,
  );
  ctx.contractFirst.push(`ALTER TABLE ${q(table)} VALIDATE CONSTRAINT ${check};`);
  plan.expandDown.push(`ALTER TABLE ${q(table)} DROP CONSTRAINT ${check};`);
  plan.contract.push(
    `ALTER TABLE ${q(table)} ALTER COLUMN ${q(column)} SET NOT NULL;`,
    `ALTER TABLE ${q(table)} DROP CONSTRAINT ${check};`,
  );
  plan.changes.push(`make ${table}.${column} NOT NULL (NULLs written by the previous version take ${fill})`);
}

/** drizzle-kit's ADD CONSTRAINT, as the expand adds it: NOT VALID, after the guard (validated by the contract). */
function addNotValid(plan: PairPlan, ctx: Context, sql: string, name: string) {
  plan.expand.push(`${FILLED_FIRST}\n${sql.replace(/;\s*$/, "")} NOT VALID;`);
  ctx.contractFirst.push(`ALTER TABLE ${q(ctx.table)} VALIDATE CONSTRAINT ${name};`);
  plan.expandDown.push(`ALTER TABLE ${q(ctx.table)} DROP CONSTRAINT ${name};`);
}

function addCheck(plan: PairPlan, ctx: Context, sql: string) {
  const [, name = "", rule = ""] = new RegExp(`ADD CONSTRAINT (${NAME}) CHECK \\((.*)\\)$`, "is").exec(sql) ?? [];
  // The columns the rule reads, as drizzle-kit writes them ("table"."column") or bare.
  const columns = Object.keys(tableOf(ctx.before, ctx.table).columns).filter((column) =>
    new RegExp(`(^|[^\\w$"])("${column}"|${column})(?![\\w$"])`).test(rule),
  );
  const fixes = fixesFor(ctx, `CHECK (${rule})`, columns);
  guardRows(plan, ctx, `check_${unquote(name)}`, `(SELECT (${rule}) FROM ${theRow(ctx.table)}) IS FALSE`, fixes);
  addNotValid(plan, ctx, sql, name);
  plan.changes.push(
    `check ${rule} on ${ctx.table} (rows the previous version writes against it get ${describeFixes(fixes)})`,
  );
}

function addForeignKey(plan: PairPlan, ctx: Context, sql: string, after: Snapshot) {
  const name = new RegExp(`ADD CONSTRAINT (${NAME})`, "i").exec(sql)?.[1] ?? "";
  const key = tableOf(after, ctx.table).foreignKeys[unquote(name)];
  if (!key) throw new NotPairable(`foreign key ${name} is not in the snapshot: regenerate from a clean meta/ folder`);
  const target = `${q(key.schemaTo || "public")}.${q(key.tableTo)}`;
  const fixes = fixesFor(ctx, `a foreign key to ${key.tableTo}`, key.columnsFrom);
  const news = key.columnsFrom.map((column) => `NEW.${q(column)}`).join(", ");
  // A key with a NULL part references nothing (MATCH SIMPLE), as the constraint itself judges.
  const violates = `ROW(${news}) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${target} WHERE (${key.columnsTo.map(q).join(", ")}) = (${news}))`;
  guardRows(plan, ctx, `fk_${unquote(name)}`, violates, fixes);
  addNotValid(plan, ctx, sql, name);
  plan.changes.push(
    `reference ${key.tableTo} from ${ctx.table}.${key.columnsFrom.join(", ")} (rows the previous version writes to a missing one get ${describeFixes(fixes)})`,
  );
}

/**
 * A unique constraint or index: a guard against duplicates, on a lookup index built
 * concurrently by the expand; the contract builds the unique index concurrently once the
 * backfill has fixed the rows before the expand (and attaches a constraint to it).
 */
function addUnique(plan: PairPlan, ctx: Context, sql: string, after: Snapshot) {
  const { table } = ctx;
  const name = unquote(
    new RegExp(`(?:ADD CONSTRAINT|INDEX(?: CONCURRENTLY)?(?: IF NOT EXISTS)?) (${NAME})`, "i").exec(sql)?.[1] ?? "",
  );
  const shape = tableOf(after, table);
  const constraint = shape.uniqueConstraints[name];
  const index = shape.indexes[name];
  const columns = constraint?.columns ?? index?.columns.map((column) => column.expression) ?? [];
  if (
    constraint?.nullsNotDistinct ||
    index?.where ||
    index?.columns.some((column) => column.isExpression) ||
    !columns.length
  ) {
    throw new NotPairable(
      `${name} is unique over an expression, a part of ${table} or NULLS NOT DISTINCT, which the generated guard does not judge: write the pair by hand (pnpm db:generate --custom, with -- expand: and -- contract: markers)`,
    );
  }
  const keys = primaryKeyOf(tableOf(ctx.before, table));
  if (keys.length === 0) {
    throw new NotPairable(
      `${table} has no primary key, which the backfill and the duplicate guard need: add one first`,
    );
  }
  const fixes = fixesFor(ctx, `unique (${columns.join(", ")})`, columns);
  const [list, news] = [columns.map(q).join(", "), columns.map((column) => `NEW.${q(column)}`).join(", ")];
  const [keyList, keyNews] = [keys.map(q).join(", "), keys.map((column) => `NEW.${q(column)}`).join(", ")];
  const lookup = q(`${name}_expand_lookup`.slice(0, 63));
  plan.expand.push(`CREATE INDEX CONCURRENTLY ${lookup} ON ${q(table)} USING btree (${list});`);
  plan.expandDown.push(`DROP INDEX CONCURRENTLY IF EXISTS ${lookup};`);
  const violates = `ROW(${news}) IS NOT NULL AND EXISTS (SELECT 1 FROM "public".${q(table)} WHERE (${list}) = (${news}) AND (${keyList}) <> (${keyNews}))`;
  // The unique index comes with the contract: until then the guard refuses the new version's duplicates.
  const literal = name.replace(/'/g, "''");
  const refuse = `RAISE EXCEPTION 'duplicate key value violates unique constraint "%"', '${literal}' USING ERRCODE = 'unique_violation', CONSTRAINT = '${literal}';`;
  guardRows(plan, ctx, `unique_${name}`, violates, fixes, refuse);
  ctx.contractFirst.push(`CREATE UNIQUE INDEX CONCURRENTLY ${q(name)} ON ${q(table)} USING btree (${list});`);
  if (constraint) {
    // A file with CONCURRENTLY runs statement by statement: a re-run after a crash must skip
    // the attach, which has no IF NOT EXISTS.
    ctx.contractFirst.push(`DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = '"public".${q(table).replace(/'/g, "''")}'::regclass AND conname = '${name.replace(/'/g, "''")}') THEN
    ALTER TABLE ${q(table)} ADD CONSTRAINT ${q(name)} UNIQUE USING INDEX ${q(name)};
  END IF;
END $$;`);
  }
  plan.contract.push(`DROP INDEX CONCURRENTLY IF EXISTS ${lookup};`);
  plan.changes.push(
    `make ${table}.${columns.join(", ")} unique (a duplicate the previous version writes gets ${describeFixes(fixes)}; the unique index is built by the contract)`,
  );
}

/** The trigger's row as a FROM item named like its table, so an expression over the table's columns reads it. */
const theRow = (table: string) => `(SELECT (NEW).*) AS ${q(table)}`;

const describeFixes = (fixes: [string, string][]) => fixes.map(([column, fix]) => `${column} = ${fix}`).join(", ");

/**
 * Statements for a trigger body that give back `updated_at` when the migrator's backfill touches
 * the row (it sets migrator.backfill): a touch is no change, and <table>_set_updated_at (0003),
 * which fires before (triggers fire in name order), has just moved it.
 */
function keepUpdatedAt(table: SnapshotTable): string {
  if (!table.columns.updated_at) return "";
  return `
  IF TG_OP = 'UPDATE' AND current_setting('migrator.backfill', true) = 'on' THEN NEW."updated_at" := OLD."updated_at"; END IF;`;
}

/** A trigger name that sorts after the table's own triggers (`<table>_set_updated_at`), so it fires last. */
function lastTrigger(table: string, what: string): string {
  return q(`${table}_zz_${what}`.slice(0, 63));
}

/** Copies the table's privileges (and USAGE on the version schema) to the view, grantee by grantee. */
function grantsLike(table: string, view: string, schema: string): string {
  return `DO $$
DECLARE privilege record;
BEGIN
  FOR privilege IN
    SELECT a.grantee, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a
    WHERE c.oid = '${table.replace(/'/g, "''")}'::regclass AND a.grantee <> c.relowner
  LOOP
    EXECUTE format('GRANT %s ON ${view.replace(/'/g, "''")} TO %s', privilege.privilege_type,
      CASE WHEN privilege.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(privilege.grantee::regrole::text) END);
    EXECUTE format('GRANT USAGE ON SCHEMA ${q(schema).replace(/'/g, "''")} TO %s',
      CASE WHEN privilege.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(privilege.grantee::regrole::text) END);
  END LOOP;
END $$;`;
}

function unsupported(sql: string, verdict: Classification): NotPairable {
  return new NotPairable(
    `not generated: ${sql} is breaking (${verdict.reason}) and has no expand/contract recipe here: write the pair by hand (pnpm db:generate --custom, with -- expand: and -- contract: markers) or narrow the change`,
  );
}

function tableOf(snapshot: Snapshot, table: string): SnapshotTable {
  const found = Object.values(snapshot.tables).find((candidate) => candidate.name === table);
  if (!found) throw new NotPairable(`table ${table} is not in the snapshot: regenerate from a clean meta/ folder`);
  return found;
}

function columnOf(snapshot: Snapshot, table: string, column: string): SnapshotColumn {
  const found = tableOf(snapshot, table).columns[column];
  if (!found)
    throw new NotPairable(`column ${table}.${column} is not in the snapshot: regenerate from a clean meta/ folder`);
  return found;
}

function typeOf(column: SnapshotColumn): string {
  return column.typeSchema ? `${q(column.typeSchema)}.${q(column.type)}` : column.type;
}

/** The primary key's columns. */
function primaryKeyOf(table: SnapshotTable): string[] {
  const composite = Object.values(table.compositePrimaryKeys)[0];
  if (composite) return composite.columns;
  return Object.values(table.columns)
    .filter((column) => column.primaryKey)
    .map((column) => column.name);
}

/** The index, key or constraint of `table` that includes `column`, if any. */
function usedBy(table: SnapshotTable, column: string): string | undefined {
  if (table.columns[column]?.primaryKey) return "the primary key";
  const named = [
    ...Object.entries(table.indexes).map(([name, index]) => [name, index.columns.map((c) => c.expression)] as const),
    ...Object.entries(table.foreignKeys).map(([name, fk]) => [name, fk.columnsFrom] as const),
    ...Object.entries(table.compositePrimaryKeys).map(([name, pk]) => [name, pk.columns] as const),
    ...Object.entries(table.uniqueConstraints).map(([name, unique]) => [name, unique.columns] as const),
  ];
  return named.find(([, columns]) => columns.includes(column))?.[0];
}
