import { NOT_BLANK_PATTERN } from "@devtools-sync/db/schema";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { createBlocklistEntryRequestSchema } from "./blocklist";
import { openTestDatabase } from "./testing/database";
import { caseOfTable, insertParents } from "./testing/tables";

// The data rules PostgreSQL holds for every writer (add_data_rules_not_valid, validate_data_rules) and their twins here: for each
// CHECK, PostgreSQL stores a value exactly when the select schema accepts it, and the insert
// schema (the API's narrower rules on top) refuses every value PostgreSQL refuses.

const database = await openTestDatabase();
const parents = await insertParents(database.db);

/** Strings of up to `maxLength` characters drawn from `characters`, to hit each rule's edges often. */
const over = (characters: string, maxLength: number) => fc.string({ unit: fc.constantFrom(...characters), maxLength });

/** Every character JavaScript's trim() strips, and three it keeps that look like white space. */
const whiteSpace = "\t\n\v\f\r \u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";
const NOT_BLANK = new RegExp(NOT_BLANK_PATTERN);
const blank = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "   ",
    "\t",
    "\n",
    "\r\n",
    "\u00a0",
    "\u3000",
    "\ufeff",
    " a",
    "a ",
    " a b ",
    "\u200b",
    "\u0085",
    "\u180e",
  ),
  over(`${whiteSpace}a\u200b\u0085\u180e`, 4),
  over(whiteSpace, 6),
);

/** One CHECK: its table and column, and values on both sides of it. */
const rules: { constraint: string; table: string; key: string; values: fc.Arbitrary<unknown> }[] = [
  { constraint: "users_display_name_check", table: "users", key: "displayName", values: blank },
  { constraint: "groups_name_check", table: "groups", key: "name", values: blank },
  { constraint: "extensions_name_check", table: "extensions", key: "name", values: blank },
  { constraint: "extensions_publisher_check", table: "extensions", key: "publisher", values: blank },
  { constraint: "agents_display_name_check", table: "agents", key: "displayName", values: blank },
  { constraint: "api_keys_name_check", table: "api_keys", key: "name", values: blank },
  { constraint: "blocklist_pattern_check", table: "blocklist", key: "pattern", values: blank },
  {
    constraint: "users_email_check",
    table: "users",
    key: "email",
    values: fc.oneof(
      fc.emailAddress(),
      over("a.@-_'+Z9é ", 12),
      fc.constantFrom(
        "ada@example.com",
        "ADA@EXAMPLE.COM",
        "o'brien+ci@mail.example.co.uk",
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a@-example.com",
        "a@example-.com",
        "a@example.c",
        "a@example.c0m",
        "a@localhost",
        "a@[127.0.0.1]",
        '"a b"@example.com',
        "ä@example.com",
        "a@example.com\n",
        "a@b@example.com",
      ),
    ),
  },
  ...(["extensions", "reports"] as const).map((table) => ({
    constraint: `${table}_extension_id_check`,
    table,
    key: "extensionId",
    values: fc.oneof(
      over("aZ0-._ ", 10),
      fc.constantFrom("ms-python.python", "GitHub.copilot", "a.b", "a.b.c", "-a.b", "a.-b", "a.", ".b", "a_b.c"),
    ),
  })),
  {
    constraint: "api_keys_key_prefix_check",
    table: "api_keys",
    key: "keyPrefix",
    values: fc.oneof(over("aZ9_-.= ", 8), fc.constantFrom("dts_abcd", "abcdefg", "DTS-ABCD", "dts abcd", "dts+abcd")),
  },
  ...(
    [
      ["groups_settings_check", "groups", "settings"],
      ["audit_log_details_check", "audit_log", "details"],
    ] as const
  ).map(([constraint, table, key]) => ({
    constraint,
    table,
    key,
    values: fc.constantFrom({}, { a: 1 }, { nested: { list: [1] } }, [], [1, 2], "text", 7, true, false),
  })),
];

/** Whether PostgreSQL stores the table's sample row with `fields` set; throws on anything but a CHECK refusal. */
async function databaseStores(table: string, fields: Record<string, unknown>, constraint: string): Promise<boolean> {
  const tableCase = caseOfTable(table);
  const attempt = await database.tryInsert(tableCase.table, { ...tableCase.sample(parents), ...fields });
  if (!attempt.refusal) return true;
  // A value the column cannot hold at all (too long, U+0000) is refused before any CHECK; the
  // select schema refuses it too, which the agreement below covers.
  if (attempt.refusal.code === "23514") expect(attempt.refusal.message).toContain(constraint);
  else expect(attempt.refusal.code, attempt.refusal.message).toMatch(/^22/);
  return false;
}

const accepts = (schema: z.ZodObject, key: string, value: unknown) =>
  (schema.shape[key] as z.ZodType).safeParse(value).success;

describe.each(rules)("$constraint", ({ constraint, table, key, values }) => {
  it("is in the migrated database, validated", async () => {
    const { rows } = await database.db.execute(
      sql`SELECT convalidated FROM pg_constraint WHERE conname = ${constraint} AND conrelid = ${table}::regclass`,
    );
    expect(rows).toEqual([{ convalidated: true }]);
  });

  it("PostgreSQL stores exactly the values the select schema accepts; the insert schema refuses the rest", async () => {
    const { select, insert } = caseOfTable(table);
    const verdicts = { stored: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(values, async (value) => {
        const stored = await databaseStores(table, { [key]: value }, constraint);
        verdicts[stored ? "stored" : "refused"]++;
        expect(accepts(select, key, value), `${JSON.stringify(value)}: PostgreSQL stored it? ${stored}`).toBe(stored);
        if (!stored)
          expect(accepts(insert, key, value), `${JSON.stringify(value)} passed the insert schema`).toBe(false);
      }),
      { numRuns: 150 },
    );
    // Both sides of the rule were tried, not only one.
    expect(verdicts.stored).toBeGreaterThan(0);
    expect(verdicts.refused).toBeGreaterThan(0);
  });
});

// A regex blocklist entry must compile in PostgreSQL (blocklist_regex_compiles_check). The
// validators' rule is narrower, so no exact twin: they accept only what PostgreSQL and JavaScript
// both compile alike (compilesInBothDialects). So every pattern they accept is stored, every
// pattern PostgreSQL refuses they refuse, and a stored row reads back through the select schema.
describe("blocklist_regex_compiles_check", () => {
  const constraint = "blocklist_regex_compiles_check";
  const patterns = fc.oneof(
    fc.constantFrom("(", ")", "a{2,1}", "[z-a]", "\\", "a**", "(?<n>a)", "\\p{L}", "a{256}", "\\bx", "[[:alpha:]]"),
    fc.constantFrom("^ms-.*$", "x{1,255}", "(?:a|b)\\.c", "^[a-z0-9-]+\\.evil$", "\\w+\\.\\d"),
    over("()[]{}*+?\\.|^$a1,-:", 6).filter((pattern) => NOT_BLANK.test(pattern)),
  );

  it("is in the migrated database, validated", async () => {
    const { rows } = await database.db.execute(
      sql`SELECT convalidated FROM pg_constraint WHERE conname = ${constraint} AND conrelid = 'blocklist'::regclass`,
    );
    expect(rows).toEqual([{ convalidated: true }]);
  });

  // A POSIX bracket expression reads a `]` right after `[` or `[^` as a member and `[.` `[:` `[=` as
  // the start of a collating element or class; JavaScript reads `[]` and `[^]` as classes of their own.
  it.each(["[]", "[^]", "\\\\[]", "[a]|[^]", "[a[.]", "[a[:]", "[a[=]"])(
    "refuses %s, a bracket expression the two dialects read differently, which PostgreSQL cannot store",
    async (pattern) => {
      expect(await databaseStores("blocklist", { patternType: "regex", pattern }, constraint)).toBe(false);
      expect(createBlocklistEntryRequestSchema.safeParse({ patternType: "regex", pattern }).success).toBe(false);
    },
  );

  it("PostgreSQL stores every regex the validators accept, refuses only ones they refuse, and a stored row reads back", async () => {
    const { select } = caseOfTable("blocklist");
    const verdicts = { stored: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(patterns, async (pattern) => {
        const stored = await databaseStores("blocklist", { patternType: "regex", pattern }, constraint);
        verdicts[stored ? "stored" : "refused"]++;
        const request = createBlocklistEntryRequestSchema.safeParse({ patternType: "regex", pattern }).success;
        if (request) expect(stored, `${JSON.stringify(pattern)}: the validators accept it`).toBe(true);
        if (stored) expect(accepts(select, "pattern", pattern), JSON.stringify(pattern)).toBe(true);
      }),
      { numRuns: 150 },
    );
    expect(verdicts.stored).toBeGreaterThan(0);
    expect(verdicts.refused).toBeGreaterThan(0);
  });
});
