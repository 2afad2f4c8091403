import type pg from "pg";
import type { SchemaDescription, TableDescription } from "./catalog";

// PostgreSQL prints an expression from its parsed tree, and parsing that print can give another
// tree that prints differently: a varchar `IN (...)` CHECK reads back from pg_dump as
// `ANY (ARRAY[('a'::character varying)::text, ...])` where the migrated database has
// `ANY ((ARRAY['a'::character varying, ...])::text[])`. Same meaning, other text. So when a
// definition's text differs, both texts are created again on the scratch database (inside a
// transaction that is rolled back) and compared as that server prints them: what PostgreSQL
// itself parses to the same thing is the same. What fails to re-create stays a difference.

const PROBE = "__migrator_probe";

/** Quotes an identifier as SQL needs it (always quoted, so any name is safe). */
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * `actual` with each definition (constraint, default or generated expression, index, trigger,
 * policy USING / WITH CHECK) that means the same as `expected`'s replaced by `expected`'s text,
 * judged on `scratch`, a database holding the expected schema (it is left unchanged).
 */
export async function alignEquivalentDefinitions(
  scratch: pg.ClientBase,
  expected: SchemaDescription,
  actual: SchemaDescription,
): Promise<SchemaDescription> {
  const aligned = structuredClone(actual);
  const probe = new Prober(scratch, expected.schema.name);
  await scratch.query("BEGIN");
  try {
    for (const [name, have] of Object.entries(aligned.tables)) {
      const want = expected.tables[name];
      if (want) await alignTable(probe.on(name), want, have);
    }
  } finally {
    await scratch.query("ROLLBACK");
  }
  return aligned;
}

/** Re-creates definitions on one table of the scratch database and prints them back. */
type TableProbe = ReturnType<Prober["on"]>;

async function alignTable(probe: TableProbe, want: TableDescription, have: TableDescription): Promise<void> {
  const same = async (a: string | null, b: string | null, print: (text: string) => Promise<string | null>) => {
    if (a === b) return true;
    if (a === null || b === null) return false;
    const [left, right] = [await print(a), await print(b)];
    return left !== null && left === right;
  };
  for (const [name, column] of Object.entries(have.columns)) {
    const target = want.columns[name];
    if (!target || target.generated !== column.generated) continue;
    const print = column.generated
      ? (text: string) => probe.generated(target.type, column.generated, text)
      : (text: string) => probe.columnDefault(name, text);
    if (await same(target.default, column.default, print)) column.default = target.default;
  }
  for (const [name, constraint] of Object.entries(have.constraints)) {
    const target = want.constraints[name];
    if (target && (await same(target.definition, constraint.definition, probe.constraint))) {
      constraint.definition = target.definition;
    }
  }
  for (const [name, index] of Object.entries(have.indexes)) {
    const target = want.indexes[name];
    if (target && (await same(target.definition, index.definition, (text) => probe.renamed("INDEX", name, text)))) {
      index.definition = target.definition;
    }
  }
  for (const [name, trigger] of Object.entries(have.triggers)) {
    const target = want.triggers[name];
    if (target && (await same(target.definition, trigger.definition, (text) => probe.renamed("TRIGGER", name, text)))) {
      trigger.definition = target.definition;
    }
  }
  for (const [name, policy] of Object.entries(have.policies)) {
    const target = want.policies[name];
    if (!target) continue;
    if (await same(target.using, policy.using, (text) => probe.policy("USING", text))) policy.using = target.using;
    if (await same(target.check, policy.check, (text) => probe.policy("WITH CHECK", text))) policy.check = target.check;
  }
}

class Prober {
  constructor(
    private readonly client: pg.ClientBase,
    private readonly schema: string,
  ) {}

  /** Runs `ddl` (one statement) under a savepoint, reads `read`, and undoes the DDL; null when either fails. */
  private async print(ddl: string, read: string, values: unknown[]): Promise<string | null> {
    await this.client.query(`SAVEPOINT ${PROBE}`);
    try {
      // The extended protocol runs exactly one statement, whatever the text holds.
      await this.client.query({ text: ddl, queryMode: "extended" } as pg.QueryConfig);
      const { rows } = await this.client.query(read, values);
      return rows[0]?.printed ?? null;
    } catch {
      return null;
    } finally {
      await this.client.query(`ROLLBACK TO SAVEPOINT ${PROBE}`);
    }
  }

  on(table: string) {
    const relation = `${quote(this.schema)}.${quote(table)}`;
    const column = `(SELECT attnum FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2)`;
    return {
      columnDefault: (name: string, text: string) =>
        this.print(
          `ALTER TABLE ${relation} ALTER COLUMN ${quote(name)} SET DEFAULT ${text}`,
          `SELECT pg_get_expr(adbin, adrelid) AS printed FROM pg_attrdef WHERE adrelid = $1::regclass AND adnum = ${column}`,
          [relation, name],
        ),
      generated: (type: string, kind: string, text: string) =>
        this.print(
          `ALTER TABLE ${relation} ADD COLUMN ${PROBE} ${type} GENERATED ALWAYS AS (${text}) ${kind === "v" ? "VIRTUAL" : "STORED"}`,
          `SELECT pg_get_expr(adbin, adrelid) AS printed FROM pg_attrdef WHERE adrelid = $1::regclass AND adnum = ${column}`,
          [relation, PROBE],
        ),
      constraint: (text: string) =>
        this.print(
          `ALTER TABLE ${relation} ADD CONSTRAINT ${PROBE} ${text}`,
          "SELECT pg_get_constraintdef(oid) AS printed FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2",
          [relation, PROBE],
        ),
      /** An index or trigger definition, created under the probe's name. */
      renamed: async (keyword: "INDEX" | "TRIGGER", name: string, text: string) => {
        const { rows } = await this.client.query("SELECT quote_ident($1) AS quoted", [name]);
        const own = `${keyword} ${rows[0].quoted} `;
        const at = text.indexOf(own);
        if (at < 0) return null;
        const renamed = `${text.slice(0, at)}${keyword} ${PROBE} ${text.slice(at + own.length)}`;
        const read =
          keyword === "INDEX"
            ? `SELECT pg_get_indexdef(indexrelid) AS printed FROM pg_index WHERE indrelid = $1::regclass
                 AND indexrelid = to_regclass(quote_ident($3) || '.' || $2)`
            : "SELECT pg_get_triggerdef(oid) AS printed FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2";
        return this.print(renamed, read, keyword === "INDEX" ? [relation, PROBE, this.schema] : [relation, PROBE]);
      },
      policy: (clause: "USING" | "WITH CHECK", text: string) =>
        this.print(
          `CREATE POLICY ${PROBE} ON ${relation} ${clause} (${text})`,
          `SELECT pg_get_expr(${clause === "USING" ? "polqual" : "polwithcheck"}, polrelid) AS printed
             FROM pg_policy WHERE polrelid = $1::regclass AND polname = $2`,
          [relation, PROBE],
        ),
    };
  }
}
