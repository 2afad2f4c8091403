import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ZodError, z } from "zod";
import { exportedObjectSchemas, exportedSchemas, samples } from "./testing/samples";
import { zodErrorOf } from "./testing/zod";

// Bad input of every kind is a ZodError: never another exception, never an accepted value. The
// cases are generated from each exported schema and a valid sample of it.

/** Expects a ZodError with an issue at `key`. */
function expectIssueAt(schema: z.ZodType, input: unknown, key: string): void {
  const error = zodErrorOf(schema, input);
  expect(
    error.issues.map((issue) => issue.path[0] ?? (issue.code === "unrecognized_keys" ? issue.keys[0] : undefined)),
  ).toContain(key);
}

const isStrict = (schema: z.ZodObject) => schema._zod.def.catchall?._zod.def.type === "never";
const isWriteSchema = (name: string) =>
  /^(insert|update)|(Request|Query)Schema$|^auditEventSchema$|^reportEntrySchema$/.test(name);

/** A value of every JavaScript type; each field takes only some of them. */
const valuesOfEveryType: unknown[] = [42, -0, Number.NaN, true, "text", [], {}, 10n, new Date(0), () => 1, Symbol("s")];
const typeOf = (value: unknown) =>
  value === null ? "null" : Array.isArray(value) ? "array" : value instanceof Date ? "date" : typeof value;

const withSamples = exportedObjectSchemas.map(([name, schema]) => ({
  name,
  schema,
  sample: samples.get(schema) as Record<string, unknown>,
}));

it("every exported object schema has a valid sample to derive bad inputs from", () => {
  for (const { name, schema, sample } of withSamples) {
    expect(sample, `${name} has no sample in testing/samples.ts`).toBeDefined();
    const result = schema.safeParse(sample);
    expect(result.success, `${name}: ${result.error && z.prettifyError(result.error)}`).toBe(true);
  }
});

describe.each(withSamples)("$name", ({ name, schema, sample }) => {
  const keys = Object.keys(schema.shape);

  it("refuses a value of the wrong type in every field, naming the field", () => {
    for (const key of keys.filter((key) => sample[key] != null)) {
      const field = schema.shape[key] as z.ZodType;
      const wrongs = valuesOfEveryType.filter((value) => typeOf(value) !== typeOf(sample[key]));
      // A field may take more than its sample's type (a page limit: 20 or "20"); it must refuse most.
      const refused = wrongs.filter((wrong) => !field.safeParse(wrong).success);
      expect(refused.length, key).toBeGreaterThanOrEqual(wrongs.length - 1);
      for (const wrong of refused) expectIssueAt(schema, { ...sample, [key]: wrong }, key);
    }
  });

  it("refuses each required field left out, naming the field", () => {
    const required = keys.filter((key) => !(schema.shape[key] as z.ZodType).safeParse(undefined).success);
    for (const key of required) {
      const { [key]: _, ...rest } = sample;
      expectIssueAt(schema, rest, key);
    }
  });

  it("refuses what is not an object at all", () => {
    for (const input of [undefined, null, "{}", 42, true, [], [sample]]) zodErrorOf(schema, input);
  });

  it.each(["unexpected", "__proto__", "constructor", "prototype"])(
    "refuses (strict) or drops (response) the extra key %s, and pollutes no prototype",
    (extra) => {
      // An own property, as JSON.parse makes it (an object literal would set the prototype instead).
      const input = { ...sample };
      Object.defineProperty(input, extra, {
        value: { polluted: true },
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (isStrict(schema)) {
        expectIssueAt(schema, input, extra);
      } else {
        const output = schema.parse(input) as Record<string, unknown>;
        expect(Object.hasOwn(output, extra)).toBe(false);
        expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it("refuses U+0000 and lone surrogates in every string field", () => {
    for (const key of keys.filter((key) => typeof sample[key] === "string")) {
      for (const bad of ["a\u0000b", "\ud83d", "\ude00x"]) expectIssueAt(schema, { ...sample, [key]: bad }, key);
    }
  });

  // Stored rows and responses may carry whatever a text column holds; what comes in is bounded.
  if (isWriteSchema(name)) {
    it("refuses a huge string in every string field", () => {
      for (const key of keys.filter((key) => typeof sample[key] === "string")) {
        expectIssueAt(schema, { ...sample, [key]: "x".repeat(1_000_000) }, key);
      }
    });
  }

  it("answers anything in any field with a value or a ZodError, never another exception", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.anything({
          withBigInt: true,
          withDate: true,
          withNullPrototype: true,
          withSparseArray: true,
          withBoxedValues: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withObjectString: true,
        }),
        (key, value) => {
          const result = schema.safeParse({ ...sample, [key]: value });
          if (!result.success) expect(result.error).toBeInstanceOf(ZodError);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe.each(exportedSchemas.map(([name, schema]) => ({ name, schema })))("$name", ({ schema }) => {
  it("answers any input with a value or a ZodError, never another exception", () => {
    const key = fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "prototype", "toString"));
    fc.assert(
      fc.property(
        fc.anything({
          key,
          withBigInt: true,
          withDate: true,
          withNullPrototype: true,
          withSparseArray: true,
          withBoxedValues: true,
          withMap: true,
          withSet: true,
        }),
        (input) => {
          try {
            schema.parse(input);
          } catch (error) {
            expect(error).toBeInstanceOf(ZodError);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
