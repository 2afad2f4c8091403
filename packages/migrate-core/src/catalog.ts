import type pg from "pg";
import { DRIZZLE_LEDGER, LEDGER } from "./ledger";

/** A schema as PostgreSQL's catalogs describe it, keyed by object name, in a stable order. */
export interface SchemaDescription {
  tables: Record<string, TableDescription>;
  /** Functions by name, with their full definition. */
  functions: Record<string, string>;
}

export interface TableDescription {
  /** Columns in table order. */
  columns: Record<string, ColumnDescription>;
  /** Constraints by name: `pg_get_constraintdef`, e.g. `FOREIGN KEY (group_id) REFERENCES groups(id) ON DELETE CASCADE`. */
  constraints: Record<string, string>;
  /** Indexes by name: `pg_get_indexdef`, unique-constraint indexes included. */
  indexes: Record<string, string>;
  /** Triggers by name: `pg_get_triggerdef`. */
  triggers: Record<string, string>;
  /** Row-level security policies by name, e.g. `PERMISSIVE FOR ALL TO app USING (...) WITH CHECK (...)`. */
  policies: Record<string, string>;
  /** Whether row-level security is off, enabled, or forced (applies to the table owner too). */
  rowSecurity: "off" | "enabled" | "forced";
}

export interface ColumnDescription {
  /** `format_type`, e.g. `character varying(255)`. */
  type: string;
  nullable: boolean;
  /** The default expression, e.g. `gen_random_uuid()`, or null. */
  default: string | null;
}

/** Reads tables, columns, constraints, indexes, triggers, policies and functions of one schema. */
export async function describeSchema(client: pg.ClientBase, schema = "public"): Promise<SchemaDescription> {
  const tables: Record<string, TableDescription> = {};
  const table = (name: string) => {
    tables[name] ??= { columns: {}, constraints: {}, indexes: {}, triggers: {}, policies: {}, rowSecurity: "off" };
    return tables[name];
  };
  const columns = await client.query(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  for (const row of columns.rows) {
    table(row.table).columns[row.name] = { type: row.type, nullable: row.nullable, default: row.default };
  }
  const named = async (sql: string, key: "constraints" | "indexes" | "triggers" | "policies") => {
    const { rows } = await client.query(sql, [schema]);
    for (const row of rows) table(row.table)[key][row.name] = row.definition;
  };
  await named(
    `SELECT c.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 ORDER BY c.relname, k.conname`,
    "constraints",
  );
  await named(
    `SELECT t.relname AS table, i.relname AS name,
            pg_get_indexdef(x.indexrelid) || CASE WHEN x.indisvalid THEN '' ELSE ' (INVALID)' END AS definition
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 ORDER BY t.relname, i.relname`,
    "indexes",
  );
  await named(
    `SELECT c.relname AS table, g.tgname AS name, pg_get_triggerdef(g.oid) AS definition
       FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT g.tgisinternal ORDER BY c.relname, g.tgname`,
    "triggers",
  );
  await named(
    `SELECT tablename AS table, policyname AS name,
            permissive || ' FOR ' || cmd || ' TO ' || array_to_string(roles, ', ')
              || coalesce(' USING (' || qual || ')', '') || coalesce(' WITH CHECK (' || with_check || ')', '') AS definition
       FROM pg_policies WHERE schemaname = $1 ORDER BY tablename, policyname`,
    "policies",
  );
  const security = await client.query(
    `SELECT c.relname AS table, CASE WHEN c.relforcerowsecurity AND c.relrowsecurity THEN 'forced'
                                     WHEN c.relrowsecurity THEN 'enabled' ELSE 'off' END AS row_security
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relrowsecurity`,
    [schema],
  );
  for (const row of security.rows) table(row.table).rowSecurity = row.row_security;
  const functions = await client.query(
    `SELECT p.proname AS name, pg_get_functiondef(p.oid) AS definition
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.prokind = 'f' ORDER BY p.proname`,
    [schema],
  );
  return {
    tables,
    functions: Object.fromEntries(functions.rows.map((row) => [row.name, row.definition])),
  };
}

/**
 * Every difference between an expected and an actual schema, one sentence each, e.g.
 * `index idx_users_email on users is missing` or `column users.role: type is text, expected character varying(20)`.
 */
export function diffSchemas(expected: SchemaDescription, actual: SchemaDescription): string[] {
  const differences: string[] = [];
  compareNamed("table", expected.tables, actual.tables, differences, (name, want, have) => {
    compareNamed(`column of ${name}`, want.columns, have.columns, differences, (column, a, b) => {
      const where = `column ${name}.${column}`;
      if (a.type !== b.type) differences.push(`${where}: type is ${b.type}, expected ${a.type}`);
      if (a.nullable !== b.nullable) {
        differences.push(
          `${where}: is ${b.nullable ? "nullable" : "NOT NULL"}, expected ${a.nullable ? "nullable" : "NOT NULL"}`,
        );
      }
      if (a.default !== b.default)
        differences.push(`${where}: default is ${b.default ?? "none"}, expected ${a.default ?? "none"}`);
    });
    if (want.rowSecurity !== have.rowSecurity) {
      differences.push(`table ${name}: row-level security is ${have.rowSecurity}, expected ${want.rowSecurity}`);
    }
    for (const kind of ["constraints", "indexes", "triggers", "policies"] as const) {
      const noun = { constraints: "constraint", indexes: "index", triggers: "trigger", policies: "policy" }[kind];
      compareNamed(`${noun} on ${name}`, want[kind], have[kind], differences, (object, a, b) => {
        if (a !== b) differences.push(`${noun} ${object} on ${name} is "${b}", expected "${a}"`);
      });
    }
  });
  compareNamed("function", expected.functions, actual.functions, differences, (name, a, b) => {
    if (a !== b) differences.push(`function ${name} has a different definition`);
  });
  return differences;
}

function compareNamed<T>(
  noun: string,
  expected: Record<string, T>,
  actual: Record<string, T>,
  differences: string[],
  compare: (name: string, expected: T, actual: T) => void,
): void {
  const [kind, of] = noun.split(/ (?=of |on )/);
  const place = (name: string) => (of ? `${kind} ${name} ${of}` : `${kind} ${name}`);
  for (const name of Object.keys(expected)) {
    const have = actual[name];
    if (have === undefined) differences.push(`${place(name)} is missing`);
    else compare(name, expected[name] as T, have);
  }
  for (const name of Object.keys(actual)) {
    if (!(name in expected)) differences.push(`${place(name)} is extra`);
  }
}

/**
 * Whether nothing has been created yet: no migration history and no table, view, sequence,
 * function or type in `schema`. Migrations applied to such a database produce the migrations'
 * schema by construction, so `up` need not compare it afterwards.
 */
export async function isEmptyDatabase(client: pg.ClientBase, schema = "public"): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT to_regclass($2) IS NULL AND to_regclass($3) IS NULL
        AND NOT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = to_regnamespace($1))
        AND NOT EXISTS (SELECT 1 FROM pg_proc WHERE pronamespace = to_regnamespace($1))
        AND NOT EXISTS (SELECT 1 FROM pg_type WHERE typnamespace = to_regnamespace($1) AND typrelid = 0 AND typcategory <> 'A')
        AS empty`,
    [schema, LEDGER, DRIZZLE_LEDGER],
  );
  return rows[0].empty;
}
