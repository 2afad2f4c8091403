import { SHA256_HEX_PATTERN } from "@devtools-sync/db/schema";
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Text: what PostgreSQL stores unchanged
// ---------------------------------------------------------------------------------------------

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * True when PostgreSQL cannot store `value` unchanged: it holds U+0000 (refused in text and
 * jsonb) or a lone surrogate (which the driver's UTF-8 encoding turns into U+FFFD).
 */
function isUnstorable(value: string): boolean {
  return value.includes("\0") || LONE_SURROGATE.test(value);
}

/** True when `value` has more than `max` code points, the unit in which `varchar(n)` counts. */
function exceedsCodePoints(value: string, max: number): boolean {
  if (value.length <= max) return false; // a code point takes at least one UTF-16 unit
  if (value.length > 2 * max) return true; // and at most two
  let count = 0;
  for (const _ of value) if (++count > max) return true;
  return false;
}

/** A check that `value` has at most `max` code points, reported as zod's own `too_big`. */
function maxCodePoints(max: number): z.core.CheckFn<string> {
  return (ctx) => {
    if (exceedsCodePoints(ctx.value, max)) {
      ctx.issues.push({
        code: "too_big",
        origin: "string",
        maximum: max,
        inclusive: true,
        input: ctx.value,
        message: `must be at most ${max} characters`,
      });
    }
  };
}

/**
 * A string PostgreSQL stores and returns unchanged: no U+0000, no lone surrogate and, when `max`
 * is given, at most `max` characters counted as `varchar(n)` counts them (code points, so 255
 * emoji fit a `varchar(255)` although their JavaScript `.length` is 510).
 */
export function storableText(max?: number): z.ZodString {
  const tooLong = max === undefined ? undefined : maxCodePoints(max);
  // One check for both rules: validating a 500-entry batch calls it 1 500 times.
  return z.string().check((ctx) => {
    if (isUnstorable(ctx.value)) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: "must not contain U+0000 or unpaired surrogates (PostgreSQL cannot store them unchanged)",
      });
    }
    tooLong?.(ctx);
  });
}

/** Longest free text (descriptions, reasons) the API takes, though `text` columns hold far more. */
export const MAX_FREE_TEXT = 10_000;

/** Free text: at most {@link MAX_FREE_TEXT} characters, line breaks allowed. */
export function freeText(text: z.ZodString): z.ZodString {
  return text.check(maxCodePoints(MAX_FREE_TEXT));
}

const CONTROL = /\p{Cc}/u;

/** Text on one line: no control characters (tabs and line breaks included). */
export function withoutControlCharacters(text: z.ZodString): z.ZodString {
  return text.refine((value) => !CONTROL.test(value), {
    message: "must not contain control characters or line breaks",
  });
}

/** A name shown on one line: not blank, no surrounding white space, no control characters. */
export function singleLine(text: z.ZodString): z.ZodString {
  return withoutControlCharacters(
    text
      .refine((value) => value.trim().length > 0, { message: "must not be blank" })
      .refine((value) => value.trim() === value, { message: "must not start or end with white space" }),
  );
}

// ---------------------------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------------------------

/**
 * A UUID in PostgreSQL's output form: any 8-4-4-4-12 hex string. Not `z.uuid()`: that demands an
 * RFC 9562 version and variant and so rejects ids the database holds, such as the seed's
 * `11111111-1111-1111-1111-111111111111`. PostgreSQL also reads unhyphenated or braced forms;
 * the API takes only the canonical one.
 */
export const uuid = z.guid({ message: "must be a UUID (8-4-4-4-12 hex digits)" });

/** A SHA-256 digest as 64 lowercase hex characters (key hashes, checksums, user hashes). */
export const SHA256_HEX = new RegExp(SHA256_HEX_PATTERN);

/**
 * A machine id: 1-64 characters of `[A-Za-z0-9._:-]`. Covers the hex digests agents derive from
 * OS machine ids (the seed's are 64 hex characters), hostnames, and `:`-joined composites, and
 * keeps white space, slashes and quotes out of logs and URLs.
 */
export const MACHINE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * An extension id `publisher.name`, exactly VS Code's `EXTENSION_IDENTIFIER_PATTERN`
 * (`ms-python.python`, `esbenp.prettier-vscode`, `GitHub.copilot`).
 */
export const EXTENSION_ID = /^[a-zA-Z0-9][a-zA-Z0-9-]*\.[a-zA-Z0-9][a-zA-Z0-9-]*$/;

/** A publisher id: the part of an extension id before the dot. */
export const PUBLISHER_ID = /^[a-zA-Z0-9][a-zA-Z0-9-]*$/;

/**
 * A version: SemVer 2.0 `major.minor.patch`, optional `-prerelease` and `+build`
 * (`2024.1.0`, `0.40.0`, `1.2.3-insider.4`). What VS Code extensions and the agent publish.
 */
export const VERSION =
  /^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** An e-mail address, by zod's practical rule (ASCII local part and domain, dotted TLD). */
export const EMAIL = z.regexes.email;

/** Lowercase dotted identifier, as in audit event types: `api_key.created`, `agent.registered`. */
export const DOTTED_IDENTIFIER = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;

/** Narrows a string column to one of the formats above, naming the rule in the message. */
export function matching(pattern: RegExp, message: string): (text: z.ZodString) => z.ZodString {
  return (text) => text.regex(pattern, { message });
}

// ---------------------------------------------------------------------------------------------
// IP addresses (inet)
// ---------------------------------------------------------------------------------------------

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

function isIpv6(address: string): boolean {
  // A trailing dotted quad (`::ffff:10.0.0.1`, what Node reports for IPv4 peers on a dual-stack
  // socket) stands for the last two hextets.
  const lastColon = address.lastIndexOf(":");
  const tail = address.slice(lastColon + 1);
  const embedsIpv4 = tail.includes(".");
  if (embedsIpv4 && !IPV4.test(tail)) return false;
  const hextets = embedsIpv4 ? `${address.slice(0, lastColon + 1)}0:0` : address;
  const halves = hextets.split("::");
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  if (!groups.every((half) => half.every((group) => HEXTET.test(group)))) return false;
  const count = groups.reduce((sum, half) => sum + half.length, 0);
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** True for an IPv4 or IPv6 host address (no prefix, no zone), each of which `inet` accepts. */
export function isIpAddress(value: string): boolean {
  return IPV4.test(value) || (value.includes(":") && isIpv6(value));
}

/** Narrows an `inet` column to a host address: a client's IP, never a network (`10.0.0.0/8`). */
export function hostAddress(stored: z.ZodString): z.ZodString {
  return stored.refine(isIpAddress, { message: "must be an IPv4 or IPv6 address without a prefix" });
}

/** True for what an `inet` column can hold and returns: a host address, optionally with `/prefix`. */
export function isInet(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash === -1) return isIpAddress(value);
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(prefix) || !isIpAddress(address)) return false;
  return Number(prefix) <= (address.includes(":") ? 128 : 32);
}

// ---------------------------------------------------------------------------------------------
// JSON objects (jsonb)
// ---------------------------------------------------------------------------------------------

/** Keys that pollute prototypes when code later merges or assigns the object. */
export const PROTOTYPE_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** How many objects or arrays deep a JSON value written through the API may nest (`{}` is 1). */
export const MAX_JSON_DEPTH = 32;

type JsonProblem = { path: (string | number)[]; message: string };

/** A value met in the walk, linked to its parent so that building paths costs nothing until a problem. */
interface JsonNode {
  value: unknown;
  key: string | number | undefined;
  parent: JsonNode | undefined;
  depth: number;
}

function pathOf(node: JsonNode): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: JsonNode | undefined = node; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** An object literal or JSON.parse result; not a class instance, nor a null-prototype object (drizzle cannot write one). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** What is wrong with one value, its own members aside. */
function valueProblem(node: JsonNode, writable: boolean): string | undefined {
  const { value } = node;
  if (value === null || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : "must be a finite number";
  if (typeof value === "string")
    return isUnstorable(value) ? "must not contain U+0000 or unpaired surrogates" : undefined;
  if (!Array.isArray(value) && !isPlainObject(value)) return "must be a JSON value";
  if (writable && node.depth > MAX_JSON_DEPTH) return `must nest at most ${MAX_JSON_DEPTH} objects or arrays deep`;
  if (Object.getOwnPropertySymbols(value).length > 0) return "must not have symbol keys";
  return undefined;
}

/** What is wrong with a member's key. */
function keyProblem(key: string, writable: boolean): string | undefined {
  if (isUnstorable(key)) return "key must not contain U+0000 or unpaired surrogates";
  if (writable && PROTOTYPE_KEYS.includes(key)) return `key "${key}" is not allowed`;
  return undefined;
}

/**
 * The first way `root` is not JSON that jsonb stores unchanged, or, with `writable`, not JSON
 * the API takes. Iterative and linear in the size of `root`, whatever its depth.
 */
function jsonProblem(root: unknown, writable: boolean): JsonProblem | undefined {
  const pending: JsonNode[] = [{ value: root, key: undefined, parent: undefined, depth: 1 }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const problem = valueProblem(node, writable);
    if (problem) return { path: pathOf(node), message: problem };
    const { value } = node;
    if (typeof value !== "object" || value === null) continue;
    const depth = node.depth + 1;
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const child = { value: value[index], key: index, parent: node, depth };
        if (!(index in value)) return { path: pathOf(child), message: "must not be a hole" };
        pending.push(child);
      }
      continue;
    }
    for (const [key, member] of Object.entries(value)) {
      const child = { value: member, key, parent: node, depth };
      const problem = keyProblem(key, writable);
      if (problem) return { path: pathOf(child), message: problem };
      pending.push(child);
    }
  }
  return undefined;
}

function jsonCheck(writable: boolean): z.core.CheckFn<Record<string, unknown>> {
  return (ctx) => {
    const problem = jsonProblem(ctx.value, writable);
    if (problem) ctx.issues.push({ code: "custom", input: ctx.value, path: problem.path, message: problem.message });
  };
}

/** The schema type of a jsonb column declared `$type<Record<string, unknown>>()`. */
export type JsonObjectSchema = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/**
 * A JSON object jsonb stores unchanged: plain objects and arrays of strings, finite numbers,
 * booleans and null, without U+0000 or lone surrogates, and nothing JSON.stringify would drop
 * or alter (undefined, functions, Dates, holes). A deep payload is a ZodError, never a stack overflow.
 */
export function jsonObject(): JsonObjectSchema {
  return z.custom<Record<string, unknown>>(isPlainObject, { message: "must be a JSON object" }).check(jsonCheck(false));
}

/** A JSON object as the API takes it: nested at most {@link MAX_JSON_DEPTH} deep, no {@link PROTOTYPE_KEYS}. */
export function writableJson(stored: JsonObjectSchema): JsonObjectSchema {
  return stored.check(jsonCheck(true));
}

// ---------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------

/**
 * Earliest instant that survives drizzle's round trip. PostgreSQL stores years from 4713 BC, but
 * drizzle reads a timestamptz back with `new Date("0099-12-31 23:59:59+00")`, which V8 parses as
 * 1999 (and year 1 as 2015): every year below 100 would come back changed. (This assumes the
 * session time zone is UTC, the server default; in a zone with a local-mean-time offset such
 * as `-04:56:02` for old dates, V8 cannot parse the text at all.)
 */
export const MIN_TIMESTAMP = new Date("0100-01-01T00:00:00.000Z");
/** Latest instant drizzle can write: `toISOString()` of year 10000 is `+010000-…`, which PostgreSQL rejects. */
export const MAX_TIMESTAMP = new Date("9999-12-31T23:59:59.999Z");

/** A valid Date that drizzle can write to a `timestamptz` column and read back unchanged. */
export const timestamp = z
  .date({ message: "must be a valid date" })
  .min(MIN_TIMESTAMP, { message: "must be in year 100 or later" })
  .max(MAX_TIMESTAMP, { message: "must be in year 9999 or earlier" });

/**
 * A timestamp on the wire: an ISO 8601 string with `Z` or an offset, decoded to a Date
 * (`schema.parse(json)`) and encoded back (`z.encode(schema, value)`).
 */
export const isoTimestamp = z.codec(z.iso.datetime({ offset: true }), timestamp, {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});

// ---------------------------------------------------------------------------------------------
// Error envelope
// ---------------------------------------------------------------------------------------------

/** Every error code an API response carries, each with its HTTP status. */
export const errorCodes = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
} as const;
/** One of the {@link errorCodes}. */
export type ErrorCode = keyof typeof errorCodes;

/** One validation problem: where (the issue path, e.g. `["reports", 3, "extensionId"]`) and what. */
export const errorIssueSchema = z.strictObject({
  path: z.array(z.union([storableText(), z.int()])),
  message: storableText(),
});
/** What {@link errorIssueSchema} parses to. */
export type ErrorIssue = z.infer<typeof errorIssueSchema>;

/** The one shape of every error response: `{ error: { code, message, issues?, requestId? } }`. */
export const errorEnvelopeSchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
    message: storableText().min(1),
    issues: z.array(errorIssueSchema).optional(),
    requestId: storableText(128).optional(),
  }),
});
/** What {@link errorEnvelopeSchema} parses to. */
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** The 400 envelope for a failed validation, one issue per problem, symbol path keys as strings. */
export function validationErrorEnvelope(error: z.ZodError, requestId?: string): ErrorEnvelope {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
    message: issue.message,
  }));
  return {
    error: { code: "bad_request", message: "The request is invalid.", issues, ...(requestId ? { requestId } : {}) },
  };
}

// ---------------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------------

/** Most items one page holds. */
export const MAX_PAGE_SIZE = 100;

/**
 * Query of a paginated list: `limit` (1-100, default 50; from a query string, its digits) and
 * the opaque `cursor` a previous page returned.
 */
export const paginationQuerySchema = z.strictObject({
  limit: z
    .union([
      z.int(),
      z
        .string()
        .regex(/^\d{1,4}$/, { message: "must be a whole number" })
        .transform(Number),
    ])
    .pipe(z.int().min(1).max(MAX_PAGE_SIZE))
    .default(50),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9_-]+$/, { message: "must be a cursor from a previous page" })
    .optional(),
});
/** What {@link paginationQuerySchema} parses to. */
export type PaginationQuery = z.infer<typeof paginationQuerySchema>;

/** A page of `item`s and the cursor of the next page (`null` on the last). */
export function pageSchema<Item extends z.ZodType>(item: Item) {
  return z.object({
    items: z.array(item).max(MAX_PAGE_SIZE),
    nextCursor: z.string().min(1).max(512).nullable(),
  });
}
