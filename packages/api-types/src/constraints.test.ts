import { getTableColumns } from "drizzle-orm";
import { toCamelCase } from "drizzle-orm/casing";
import { describe, expect, it } from "vitest";
import { ZodError, type z } from "zod";
import { isServerOwned } from "./derive";
import { readCatalog } from "./testing/catalog";
import { openTestDatabase } from "./testing/database";
import { caseOfTable, insertParents, type TableCase, tableCases } from "./testing/tables";

// For every constraint the migrated database declares (read from its catalog, so a new
// constraint is covered the moment a migration adds it), a value the database refuses is refused
// by the validators too, with an issue whose path names the field.

const database = await openTestDatabase();
const parents = await insertParents(database.db);
const catalog = await readCatalog(
  database.db,
  tableCases.map(({ name }) => name),
);

/** One value that breaks one constraint of one column, and the SQLSTATE PostgreSQL answers with. */
interface Violation {
  tableCase: TableCase;
  constraint: string;
  key: string;
  value: unknown;
  sqlstate: string;
  /** The zod issue code the validator must answer with, when one is specific to the constraint. */
  issue?: string;
  /** Other fields the row must hold for the value to break the constraint (a check over several columns). */
  with?: Record<string, unknown>;
}

/** A value PostgreSQL cannot convert to each column type (drizzle sends it as text). */
const notOfType: Record<string, { value: unknown; sqlstate: string }> = {
  uuid: { value: "not-a-uuid", sqlstate: "22P02" }, // invalid_text_representation
  inet: { value: "10.0.0.256", sqlstate: "22P02" },
  boolean: { value: "maybe", sqlstate: "22P02" },
  "timestamp with time zone": { value: new Date("0000-06-15T00:00:00.000Z"), sqlstate: "22008" }, // no year 0
  jsonb: { value: { text: "\u0000" }, sqlstate: "22P05" }, // untranslatable_character
  "character varying": { value: "a\u0000b", sqlstate: "22021" }, // character_not_in_repertoire
  text: { value: "a\u0000b", sqlstate: "22021" },
};

/**
 * A value each CHECK refuses, where "not-a-member" (outside every value set, and no hash, e-mail
 * address, extension id or object) would pass: a name of spaces only, a key prefix of 8 characters
 * with one outside the URL-safe set.
 */
const outsideCheck: Record<string, unknown> = {
  agents_display_name_check: "   ",
  api_keys_name_check: "   ",
  api_keys_key_prefix_check: "dts.abcd",
  blocklist_pattern_check: " ",
  extensions_name_check: "",
  extensions_publisher_check: "  ",
  groups_name_check: " ",
  users_display_name_check: "",
  audit_log_details_check: ["an", "array"],
  groups_settings_check: ["an", "array"],
};

/** Checks over several columns: the column whose value breaks each, and what the others must hold. */
const outsideMultiColumnCheck: Record<string, { column: string; value: unknown; with: Record<string, unknown> }> = {
  blocklist_regex_compiles_check: { column: "pattern", value: "(", with: { patternType: "regex" } },
};

const hasValueSet = (tableCase: TableCase, key: string) =>
  Boolean(getTableColumns(tableCase.table)[key]?.enumValues?.length);

const violations: Violation[] = [
  ...catalog.columns.flatMap((column): Violation[] => {
    const key = toCamelCase(column.column);
    if (isServerOwned(key)) return [];
    const tableCase = caseOfTable(column.table);
    const where = `${column.table}.${column.column}`;
    const type = notOfType[column.dataType];
    if (!type) throw new Error(`${where}: no value of the wrong type for ${column.dataType}`);
    return [
      { tableCase, key, constraint: `${where} is ${column.dataType}`, ...type },
      ...(column.nullable ? [] : [{ tableCase, key, constraint: `${where} NOT NULL`, value: null, sqlstate: "23502" }]),
      ...(column.maxLength === null
        ? []
        : [
            {
              tableCase,
              key,
              constraint: `${where} varchar(${column.maxLength})`,
              value: "😀".repeat(column.maxLength + 1),
              sqlstate: "22001", // string_data_right_truncation
              // A value set refuses anything outside it, long or not; other columns say "too big".
              issue: hasValueSet(tableCase, key) ? "invalid_value" : "too_big",
            },
          ]),
    ];
  }),
  ...catalog.constraints
    .filter((constraint) => constraint.kind === "c")
    .map((constraint): Violation => {
      const tableCase = caseOfTable(constraint.table);
      const multi = outsideMultiColumnCheck[constraint.name];
      if (multi) {
        const key = toCamelCase(multi.column);
        return { tableCase, key, constraint: constraint.name, value: multi.value, with: multi.with, sqlstate: "23514" };
      }
      const [column, ...others] = constraint.columns;
      if (!column || others.length > 0)
        throw new Error(`${constraint.name}: a check over several columns needs a case`);
      const key = toCamelCase(column);
      return {
        tableCase,
        key,
        constraint: constraint.name,
        value: constraint.name in outsideCheck ? outsideCheck[constraint.name] : "not-a-member",
        sqlstate: "23514",
      };
    }),
];

/** Expects `schema` to refuse `input` with a ZodError that has an issue (of code `issue`, if given) at `key`. */
function expectRefused(schema: z.ZodType, input: unknown, key: string, issue?: string): void {
  const result = schema.safeParse(input);
  expect(result.success, `${key} = ${JSON.stringify(input)} was accepted`).toBe(false);
  const atKey = result.error?.issues.filter((found) => found.path[0] === key) ?? [];
  expect(atKey, `no issue names ${key}`).not.toEqual([]);
  if (issue) expect(atKey.map((found) => found.code)).toContain(issue);
  expect(() => schema.parse(input)).toThrow(ZodError);
}

describe.each(tableCases)("$name", (tableCase) => {
  const own = violations.filter((violation) => violation.tableCase === tableCase);

  it("has cases generated from the database catalog", () => {
    expect(own.length).toBeGreaterThanOrEqual(Object.keys(tableCase.values(parents)).length);
  });

  it.each(own)(
    "$constraint: PostgreSQL and the insert schema refuse $value",
    async ({ key, value, sqlstate, issue, with: others }) => {
      const row = { ...tableCase.sample(parents), ...others, [key]: value };
      const attempt = await database.tryInsert(tableCase.table, row);
      expect(attempt.refusal?.code, attempt.refusal?.message).toBe(sqlstate);
      expectRefused(tableCase.insert, row, key, issue);
    },
  );

  const { update } = tableCase;
  it.each(update ? own : [])(
    "$constraint: PostgreSQL and the update schema refuse $value",
    async ({ key, value, sqlstate, issue, with: others }) => {
      const patch = { ...others, [key]: value };
      const attempt = await database.tryUpdate(tableCase.table, tableCase.sample(parents), patch);
      expect(attempt.refusal?.code, attempt.refusal?.message).toBe(sqlstate);
      expectRefused(update as z.ZodType, patch, key, issue);
    },
  );
});

describe("unique constraints", () => {
  const uniques = catalog.constraints.filter((constraint) => constraint.kind === "u");

  it.each(uniques)("$name: no column of the key can be left out to dodge it", async (constraint) => {
    // PostgreSQL treats NULLs as distinct, so a nullable key column would let duplicates in.
    const tableCase = caseOfTable(constraint.table);
    for (const column of constraint.columns) {
      const key = toCamelCase(column);
      expect(catalog.columns.find((c) => c.table === constraint.table && c.column === column)?.nullable).toBe(false);
      const { [key]: _, ...row } = tableCase.sample(parents);
      const attempt = await database.tryInsert(tableCase.table, row);
      expect(attempt.refusal?.code).toBe("23502");
      expectRefused(tableCase.insert, row, key);
    }
  });
});

describe("the catalog", () => {
  it("holds only constraints these tests understand", () => {
    // p: the server-owned id; f: foreign keys, whose columns get the uuid cases; u and c: above.
    const kinds = new Set(catalog.constraints.map((constraint) => constraint.kind));
    expect([...kinds].sort()).toEqual(["c", "f", "p", "u"]);
    for (const constraint of catalog.constraints.filter(({ kind }) => kind === "f")) {
      expect(
        constraint.columns.map(
          (column) => catalog.columns.find((c) => c.table === constraint.table && c.column === column)?.dataType,
        ),
      ).toEqual(["uuid"]);
    }
  });

  it("has every column of every table this package validates", () => {
    const tables = new Set(catalog.columns.map((column) => column.table));
    expect([...tables].sort()).toEqual(tableCases.map(({ name }) => name).sort());
  });
});
