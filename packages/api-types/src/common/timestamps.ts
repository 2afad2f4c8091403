import { z } from "zod";

// Timestamps that survive drizzle's round trip through `timestamptz`.

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
