import type pg from "pg";

// Sample rows make the measured statements do their real work on the scratch database: a scan
// or a rewrite of an empty table is over before it can be timed. Values are generated per column
// type; a table whose rows cannot be generated (a constraint the values break, a type without a
// sample) stays empty, and the profile says why.

/** What one table got. */
export interface SampleTable {
  table: string;
  rows: number;
  /** Why it holds no rows, when it could not be filled. */
  note?: string;
}

interface ColumnRow {
  name: string;
  type: string;
  category: string;
  typname: string;
  not_null: boolean;
  skip: boolean;
}

const COLUMNS = `
  SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory AS category,
         t.typname, a.attnotnull AS not_null,
         (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') AS skip
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
  WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attnum`;

/** An expression of `g` (1..n, from generate_series) giving a value of the column's type, or null. */
function sampleValue(column: ColumnRow): string | null {
  const type = column.type;
  switch (column.category) {
    case "N":
      if (column.typname === "int2") return "(g % 32767)::int2";
      if (["int4", "int8", "oid"].includes(column.typname)) return `g::${type}`;
      return `(g % 100)::${type}`;
    case "S":
      // An explicit cast to varchar(n) / char(n) truncates, so every length fits.
      return `md5(g::text)::${type}`;
    case "B":
      return "(g % 2 = 0)";
    case "D":
      return `(timestamptz '2026-01-01' - g * interval '1 second')::${type}`;
    case "T":
      return `(g * interval '1 second')::${type}`;
    case "E":
      return `(enum_range(NULL::${type}))[1 + g % cardinality(enum_range(NULL::${type}))]`;
    case "I":
      return `'10.0.0.1'::${type}`;
    case "A":
      return `'{}'::${type}`;
    case "U":
      if (column.typname === "uuid") return "md5(g::text)::uuid";
      if (column.typname === "json" || column.typname === "jsonb") return `'{}'::${type}`;
      if (column.typname === "bytea") return "decode(md5(g::text), 'hex')";
      return null;
    default:
      return null;
  }
}

/**
 * Fills each table with `rows` generated rows, each in a transaction of its own; foreign keys are
 * not checked when the role may switch them off (session_replication_role, superusers only).
 */
export async function writeSampleRows(scratch: pg.ClientBase, tables: string[], rows: number): Promise<SampleTable[]> {
  const results: SampleTable[] = [];
  for (const table of tables) {
    const columns = (await scratch.query<ColumnRow>(COLUMNS, [table])).rows;
    const filled = columns.filter((column) => !column.skip);
    const values = filled.map(sampleValue);
    const missing = filled.find((column, i) => values[i] === null && column.not_null);
    if (missing) {
      results.push({ table, rows: 0, note: `no sample value for column ${missing.name} (${missing.type})` });
      continue;
    }
    const named = filled.filter((_, i) => values[i] !== null);
    const list = named.map((column) => `"${column.name.replace(/"/g, '""')}"`).join(", ");
    const insert =
      named.length === 0
        ? `INSERT INTO ${table} SELECT FROM generate_series(1, ${rows}) g`
        : `INSERT INTO ${table} (${list}) SELECT ${values.filter((value) => value !== null).join(", ")} FROM generate_series(1, ${rows}) g`;
    try {
      await scratch.query("BEGIN");
      await scratch.query("SAVEPOINT replica");
      await scratch
        .query("SET LOCAL session_replication_role = replica")
        .catch(() => scratch.query("ROLLBACK TO replica"));
      await scratch.query(insert);
      await scratch.query("COMMIT");
      await scratch.query(`ANALYZE ${table}`);
      results.push({ table, rows });
    } catch (error) {
      await scratch.query("ROLLBACK").catch(() => {});
      results.push({ table, rows: 0, note: `sample rows rejected: ${(error as Error).message}` });
    }
  }
  return results;
}
