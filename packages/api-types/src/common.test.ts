import { sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ZodError, z } from "zod";
import {
  errorEnvelopeSchema,
  isInet,
  isIpAddress,
  isoTimestamp,
  jsonObject,
  MAX_JSON_DEPTH,
  MAX_TIMESTAMP,
  MIN_TIMESTAMP,
  pageSchema,
  paginationQuerySchema,
  storableText,
  uuid,
  validationErrorEnvelope,
  writableJson,
} from "./common";
import { openTestDatabase } from "./testing/database";

const { db } = await openTestDatabase();
// The text's canonical spelling as `type`, or NULL when the type's input function refuses it: what
// pg_input_is_valid tells from PostgreSQL 16 on, here on every supported major (this session's own).
await db.execute(sql`create function pg_temp.canonical_as(t text, type regtype) returns text language plpgsql as $$
  declare result text;
  begin
    execute format('select %L::%s::text', t, type) into result;
    return result;
  exception when data_exception then
    return null;
  end $$`);

/** PostgreSQL's verdict on each text as a value of `type`, and its canonical spelling when valid. */
async function asPostgres(type: "inet" | "uuid", texts: string[]) {
  const result = await db.execute<{ text: string; valid: boolean; canonical: string | null }>(sql`
    select t as text, c is not null as valid, c as canonical
    from unnest(${sql.param(texts)}::text[]) t, pg_temp.canonical_as(t, ${type}) c`);
  return result.rows;
}

describe("storableText", () => {
  const varchar3 = storableText(3);

  it.each([
    ["abc", "three ASCII characters"],
    ["😀😀😀", "three astral characters (six UTF-16 units), as varchar(3) counts them"],
    ["e\u0301e", "a combining accent, which PostgreSQL counts as a character"],
  ])("takes %j: %s", (value) => {
    expect(varchar3.parse(value)).toBe(value);
  });

  it.each([
    ["abcd", "four characters"],
    ["😀😀😀😀", "four astral characters"],
    ["e\u0301e\u0301", "four code points that look like two letters"],
    ["a\u0000", "U+0000, which PostgreSQL refuses in text"],
    ["\ud800", "a lone surrogate, which PostgreSQL would store as U+FFFD"],
  ])("refuses %j: %s", (value) => {
    expect(() => varchar3.parse(value)).toThrow(ZodError);
  });

  it("counts code points exactly as PostgreSQL's char_length does", async () => {
    const texts = fc.sample(fc.string({ unit: "grapheme", maxLength: 12 }), 200);
    const result = await db.execute<{ text: string; length: number }>(
      sql`select t as text, char_length(t) as length from unnest(${sql.param(texts)}::text[]) t`,
    );
    for (const { text, length } of result.rows) {
      expect(storableText(length).safeParse(text).success).toBe(true);
      if (length > 0) expect(storableText(length - 1).safeParse(text).success).toBe(false);
    }
  });
});

describe("uuid", () => {
  it("takes every spelling PostgreSQL returns, including the seed's non-RFC ids", async () => {
    const texts = [
      ...fc.sample(fc.uuid(), 50),
      "11111111-1111-1111-1111-111111111111",
      "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
    ];
    for (const { canonical } of await asPostgres("uuid", texts)) expect(uuid.parse(canonical)).toBe(canonical);
  });

  it("takes only texts PostgreSQL reads as a uuid, and only the hyphenated form", async () => {
    const texts = [
      "a0eebc999c0b4ef8bb6d6bb9bd380a11",
      "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
      "not-a-uuid",
      "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
    ];
    for (const { text, valid } of await asPostgres("uuid", texts)) {
      if (uuid.safeParse(text).success) expect(valid, text).toBe(true);
    }
    expect(uuid.safeParse("a0eebc999c0b4ef8bb6d6bb9bd380a11").success).toBe(false);
  });
});

describe("IP addresses (inet)", () => {
  const hexOrDigit = fc.constantFrom(..."0123456789abcdefABCDEF:./%");
  const candidates = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.ipV4().map((v4) => `::ffff:${v4}`),
    fc.ipV4Extended(),
    fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat(140)).map(([address, prefix]) => `${address}/${prefix}`),
    fc.string({ unit: hexOrDigit, maxLength: 45 }),
  );

  it("an address or network this package takes is one PostgreSQL reads, and its answer reads back", async () => {
    const texts = fc.sample(candidates, 2000);
    let taken = 0;
    for (const { text, valid, canonical } of await asPostgres("inet", texts)) {
      if (isInet(text)) {
        taken++;
        expect(valid, text).toBe(true);
      }
      if (canonical !== null) expect(isInet(canonical), `PostgreSQL's ${canonical} for ${text}`).toBe(true);
    }
    expect(taken).toBeGreaterThan(500);
  });

  it("takes every well-formed IPv4, IPv6 and IPv4-mapped address, which real clients send", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV4(),
          fc.ipV6(),
          fc.ipV4().map((v4) => `::ffff:${v4}`),
        ),
        (address) => {
          expect(isIpAddress(address)).toBe(true);
        },
      ),
    );
  });

  it.each([
    ["10.0.0.0/8", "a network"],
    ["fe80::1%eth0", "a zone id (PostgreSQL refuses it)"],
    ["01.2.3.4", "a leading zero (octal to some parsers)"],
    ["10.1", "a shorthand"],
    ["1::2::3", "two `::`"],
    ["1:2:3:4:5:6:7:8:9", "nine groups"],
  ])("does not take %j as a client address: %s", (text) => {
    expect(isIpAddress(text)).toBe(false);
  });
});

describe("JSON objects (jsonb)", () => {
  const stored = jsonObject();
  const written = writableJson(stored);
  /** `depth` objects, each but the innermost holding the next. */
  const nested = (depth: number) => Array.from({ length: depth - 1 }).reduce<object>((inner) => ({ inner }), {});

  it("refuses 100 000 levels of nesting with a ZodError, not a stack overflow", () => {
    expect(() => stored.parse(nested(100_000))).not.toThrow();
    expect(() => written.parse(nested(100_000))).toThrow(ZodError);
  });

  it(`takes ${MAX_JSON_DEPTH} nested objects from the API, and not one more`, () => {
    expect(written.safeParse(nested(MAX_JSON_DEPTH)).success).toBe(true);
    expect(written.safeParse(nested(MAX_JSON_DEPTH + 1)).success).toBe(false);
  });

  it.each(["__proto__", "constructor", "prototype"])("refuses the key %s at any depth from the API", (key) => {
    const polluting = JSON.parse(`{"a": [{"${key}": {"polluted": true}}]}`);
    const issues = zodIssues(written, polluting);
    expect(issues[0]?.path).toEqual(["a", 0, key]);
    expect(stored.safeParse(polluting).success).toBe(true); // the database may hold it; reading it is fine
  });

  it.each([
    [{ missing: undefined }, "undefined, which JSON.stringify drops"],
    [{ when: new Date(0) }, "a Date, which JSON.stringify turns into a string"],
    [{ count: Number.POSITIVE_INFINITY }, "Infinity, which JSON.stringify turns into null"],
    // biome-ignore lint/suspicious/noSparseArray: an array hole is the case under test
    [{ list: [1, , 3] }, "an array hole"],
    [{ text: "\u0000" }, "U+0000, which jsonb refuses"],
    [{ [Symbol("s")]: 1 }, "a symbol key"],
    [Object.create(null), "a null-prototype object, which drizzle cannot write"],
    [new Map(), "a Map"],
    [[], "an array"],
    ["{}", "a string"],
  ])("refuses %o: %s", (value) => {
    expect(() => stored.parse(value)).toThrow(ZodError);
  });

  it("takes any JSON object fast-check can make", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { noNullPrototype: true }), (value) => {
        const result = stored.safeParse(value);
        // jsonValue's strings may hold U+0000; all else must be taken.
        if (!JSON.stringify(value).includes("\\u0000")) expect(result.success).toBe(true);
      }),
    );
  });
});

function zodIssues(schema: z.ZodType, value: unknown) {
  const result = schema.safeParse(value);
  expect(result.success).toBe(false);
  return result.error?.issues ?? [];
}

describe("timestamps", () => {
  it("take the first and last instants drizzle writes and reads back, and not a millisecond more", async () => {
    const edges = [MIN_TIMESTAMP, MAX_TIMESTAMP];
    const result = await db.execute<{ back: string }>(
      sql`select unnest(${sql.param(edges.map((d) => d.toISOString()))}::timestamptz[])::text as back`,
    );
    expect(result.rows.map(({ back }) => back)).toEqual(["0100-01-01 00:00:00+00", "9999-12-31 23:59:59.999+00"]);
    expect(isoTimestamp.parse("0100-01-01T00:00:00Z")).toEqual(MIN_TIMESTAMP);
    expect(() => isoTimestamp.parse("0099-12-31T23:59:59.999Z")).toThrow(ZodError);
    expect(() => isoTimestamp.parse("+010000-01-01T00:00:00Z")).toThrow(ZodError);
  });

  it("travel as ISO 8601 with a zone, and nothing else", () => {
    expect(isoTimestamp.parse("2024-05-06T07:08:09.5+02:00")).toEqual(new Date("2024-05-06T05:08:09.500Z"));
    expect(z.encode(isoTimestamp, new Date("2024-05-06T05:08:09.500Z"))).toBe("2024-05-06T05:08:09.500Z");
    for (const text of ["2024-05-06T07:08:09", "2024-05-06", "May 6, 2024", "1715000000000"]) {
      expect(() => isoTimestamp.parse(text), text).toThrow(ZodError);
    }
  });
});

describe("the error envelope", () => {
  it("carries a failed validation's issues with their paths", () => {
    const schema = z.strictObject({ reports: z.array(z.strictObject({ extensionId: z.string() })) });
    const result = schema.safeParse({ reports: [{ extensionId: "a.b" }, { extensionId: 42 }] });
    const envelope = validationErrorEnvelope(result.error as ZodError, "req-1");
    expect(errorEnvelopeSchema.parse(envelope)).toEqual({
      error: {
        code: "bad_request",
        message: "The request is invalid.",
        issues: [{ path: ["reports", 1, "extensionId"], message: expect.stringContaining("string") }],
        requestId: "req-1",
      },
    });
  });

  it("has one of the known codes", () => {
    expect(() => errorEnvelopeSchema.parse({ error: { code: "teapot", message: "short and stout" } })).toThrow(
      ZodError,
    );
  });
});

describe("pagination", () => {
  it("defaults to 50 items and reads a limit from a query string", () => {
    expect(paginationQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(paginationQuerySchema.parse({ limit: "20", cursor: "b2Zmc2V0" })).toEqual({ limit: 20, cursor: "b2Zmc2V0" });
  });

  it.each([0, 101, "0", "101", "1e2", " 20", "20abc", 2.5, true, null])("refuses the limit %j", (limit) => {
    expect(() => paginationQuerySchema.parse({ limit })).toThrow(ZodError);
  });

  it("pages hold at most 100 items and say where the next page starts", () => {
    const page = pageSchema(z.int());
    expect(page.parse({ items: [1, 2], nextCursor: null })).toEqual({ items: [1, 2], nextCursor: null });
    expect(() => page.parse({ items: Array.from({ length: 101 }, () => 1), nextCursor: "x" })).toThrow(ZodError);
  });
});
