import type { Column } from "drizzle-orm";
import fc from "fast-check";
import { MAX_TIMESTAMP, MIN_TIMESTAMP, PROTOTYPE_KEYS } from "../common";

// Arbitraries that mirror the validators. Each column has `valid` values and `edges`: values that
// are invalid or barely valid (length n and n+1, astral characters, U+0000, lone surrogates,
// out-of-range instants, non-canonical spellings). A generated row is either all valid or valid
// but for one edge, so an edge the validator accepts is the only unusual thing PostgreSQL sees.

/** How to generate one column's values. */
export interface Field {
  valid: fc.Arbitrary<unknown>;
  edges: fc.Arbitrary<unknown>;
}

const field = (valid: fc.Arbitrary<unknown>, ...edges: fc.Arbitrary<unknown>[]): Field => ({
  valid,
  edges: fc.oneof(...edges),
});

/** Strings PostgreSQL cannot store unchanged. */
export const unstorable = fc.constantFrom("a\u0000b", "\u0000", "\ud800", "x\udfff", "\udc00\ud800");

/** Strings at and beyond a length of `max` characters, in one- and two-unit code points. */
export function atLength(max: number): fc.Arbitrary<string> {
  return fc.constantFrom(
    "a".repeat(max),
    "a".repeat(max + 1),
    "😀".repeat(max),
    "😀".repeat(max + 1),
    `${"a".repeat(max)} `,
  );
}

/** Any text of up to `max` characters, including every code point but lone surrogates. */
export function text(max: number): Field {
  return field(
    fc.string({ unit: "grapheme", maxLength: Math.min(max, 40) }).filter(fits(max)),
    fc.string({ unit: "binary", maxLength: Math.min(max, 40) }),
    atLength(max),
    unstorable,
  );
}

/** At most `max` characters, as varchar(n) counts them. */
const fits = (max: number) => (value: string) => [...value].length <= max;

/** A one-line name of up to `max` characters, and names that are blank, padded or multi-line. */
export function name(max: number): Field {
  const valid = fc
    .string({ unit: "grapheme", minLength: 1, maxLength: Math.min(max, 40) })
    .map((value) => value.trim())
    .filter((value) => value.length > 0 && !/\p{Cc}/u.test(value) && fits(max)(value));
  return field(valid, fc.constantFrom("", " ", " padded", "two\nlines", "tab\there"), atLength(max), unstorable);
}

/** Strings of at most `max` characters matching `pattern` (the validator's own), and near misses. */
export function matching(pattern: RegExp, max: number, ...nearMisses: string[]): Field {
  return field(fc.stringMatching(pattern).filter(fits(max)), fc.constantFrom("", " ", ...nearMisses), unstorable);
}

/** A SHA-256 hex digest, and digests in the wrong case or of the wrong length. */
export const sha256 = field(
  fc.stringMatching(/^[0-9a-f]{64}$/),
  fc.stringMatching(/^[0-9a-f]{63}$|^[0-9a-f]{65}$|^[0-9A-F]{64}$|^[0-9a-g]{64}$/),
);

/** An instant drizzle can write and read back, and instants at and beyond the ends of that range. */
export const instant = field(
  fc.date({ min: MIN_TIMESTAMP, max: MAX_TIMESTAMP, noInvalidDate: true }),
  fc.date(),
  fc.constantFrom(
    MIN_TIMESTAMP,
    MAX_TIMESTAMP,
    new Date("0099-12-31T23:59:59.999Z"),
    new Date("0001-01-01T00:00:00.000Z"),
    new Date(MAX_TIMESTAMP.getTime() + 1),
    new Date(Number.NaN),
    "2024-01-01T00:00:00Z",
  ),
);

/** A host IP address (IPv4, IPv6, IPv4-mapped IPv6), and networks and forms `inet` refuses or rewrites. */
export const ipAddress = field(
  fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.ipV4().map((v4) => `::ffff:${v4}`),
  ),
  fc.ipV4Extended(),
  fc.ipV4().map((v4) => `${v4}/24`),
  fc.constantFrom("fe80::1%eth0", "10.1", "01.2.3.4", " 10.0.0.1", "1::2::3", "10.0.0.256", "::/0", "1.2.3.4/33"),
);

/** A UUID of any version, and UUID-like strings PostgreSQL reads but the API does not take. */
export const anyUuid = field(
  fc.oneof(fc.uuid(), fc.constantFrom("11111111-1111-1111-1111-111111111111", "00000000-0000-0000-0000-000000000000")),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.uuid().map((id) => id.replaceAll("-", "")),
  fc.uuid().map((id) => `{${id}}`),
  fc.constantFrom("", "not-a-uuid"),
);

/** One of `ids` (rows that exist, for foreign keys), in either case, and strings that are no UUID. */
export function reference(...ids: string[]): Field {
  return field(fc.constantFrom(...ids, ...ids.map((id) => id.toUpperCase())), fc.constantFrom("", "not-a-uuid", 42));
}

/** One of `values`, and strings that are none of them. */
export function oneOf(values: readonly string[]): Field {
  return field(
    fc.constantFrom(...values),
    fc.string({ maxLength: 25 }),
    fc.constantFrom(...values.map((value) => value.toUpperCase()), ...values.map((value) => ` ${value}`)),
  );
}

/** A boolean, and values that are truthy or falsy without being booleans. */
export const bool = field(fc.boolean(), fc.constantFrom("true", 1, 0, "false"));

/** `depth` objects, each but the innermost holding the next. */
const deeplyNested = (depth: number) => Array.from({ length: depth - 1 }).reduce<object>((inner) => ({ inner }), {});

/** True when `value` holds none of the keys the API forbids (fast-check likes to make them) and no U+0000. */
function isWritable(value: unknown): boolean {
  if (typeof value === "string") return !value.includes("\0");
  if (typeof value !== "object" || value === null) return true;
  return Object.entries(value).every(
    ([key, member]) => !PROTOTYPE_KEYS.includes(key) && isWritable(key) && isWritable(member),
  );
}

/** A JSON object, and objects jsonb refuses, JSON.stringify would change, drizzle cannot write, or the API forbids. */
export const jsonObject = field(
  fc
    .dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5, noNullPrototype: true })
    .filter(isWritable),
  fc.constantFrom(
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { constructor: { prototype: { polluted: true } } },
    { nested: JSON.parse('{"__proto__": {"polluted": true}}') },
    deeplyNested(33),
    deeplyNested(32),
    Object.create(null),
    { undefinedValue: undefined },
    { date: new Date(0) },
    { nan: Number.NaN },
    { nul: "\u0000" },
    { lone: "\ud800" },
    { "key\u0000": 1 },
    [],
    "not an object",
  ),
);

/** `field` with null and undefined among its valid values where the column allows them, else among its edges. */
export function forColumn(column: Column, { valid, edges }: Field): Field {
  const nullable = !column.notNull;
  const optional = nullable || column.hasDefault;
  return {
    valid: fc.oneof(
      { weight: 4, arbitrary: valid },
      ...(nullable ? [fc.constant(null)] : []),
      ...(optional ? [fc.constant(undefined)] : []),
    ),
    edges: fc.oneof(edges, ...(nullable ? [] : [fc.constant(null)]), ...(optional ? [] : [fc.constant(undefined)])),
  };
}

/** A generated row, and the field set to an edge value, if one is. */
export interface GeneratedRow {
  row: Record<string, unknown>;
  edge: string | undefined;
}

/** Rows that are valid, or valid but for one field set to one of its edges. */
export function rows(fields: Record<string, Field>): fc.Arbitrary<GeneratedRow> {
  const keys = Object.keys(fields);
  const valid = fc.record(Object.fromEntries(keys.map((key) => [key, fields[key]?.valid ?? fc.constant(undefined)])));
  const oneEdge = fc
    .tuple(valid, fc.constantFrom(...keys))
    .chain(([row, key]) =>
      (fields[key]?.edges ?? fc.constant(undefined)).map((edge) => ({ row: { ...row, [key]: edge }, edge: key })),
    );
  return fc.oneof(
    valid.map((row) => ({ row, edge: undefined })),
    oneEdge,
  );
}
