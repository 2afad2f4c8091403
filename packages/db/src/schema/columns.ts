import { type SQL, sql } from "drizzle-orm";
import { type AnyPgColumn, timestamp, uuid } from "drizzle-orm/pg-core";
import { NOT_BLANK_PATTERN } from "./formats";

/** `uuid PRIMARY KEY DEFAULT gen_random_uuid()`, the key of every table. */
export const id = () => uuid().primaryKey().defaultRandom();

/** `timestamptz`: every point in time is stored with its zone. */
export const timestamptz = () => timestamp({ withTimezone: true });

/**
 * SQL for "`column` is one of `values`": the database-side twin of a TypeScript value list,
 * so the list is declared once and both the CHECK and the validators come from it.
 */
export function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} IN (${sql.raw(values.map(literal).join(", "))})`;
}

/** SQL for "`column` is a non-empty comma-separated subset of `values`". */
export function commaSeparatedSubsetOf(column: AnyPgColumn, values: readonly string[]): SQL {
  const items = sql`string_to_array(${column}, ',')`;
  return sql`cardinality(${items}) > 0 AND ${items} <@ ARRAY[${sql.raw(values.map(literal).join(", "))}]`;
}

/** SQL for "`column` matches the POSIX regular expression `pattern`". */
export function matches(column: AnyPgColumn, pattern: string): SQL {
  return sql`${column} ~ ${sql.raw(literal(pattern))}`;
}

/**
 * SQL for "`column` is not blank": it holds a character that is not white space
 * ({@link NOT_BLANK_PATTERN}: what JavaScript's `trim()` strips, tabs, line breaks and Unicode
 * spaces included). The API asks more of a name (no surrounding white space, no control
 * characters); this is what every writer, psql included, must meet. NULL passes, so a nullable
 * name may still be absent.
 */
export function notBlank(column: AnyPgColumn): SQL {
  return matches(column, NOT_BLANK_PATTERN);
}

/** SQL for "the jsonb `column` holds an object" (not an array, string, number, boolean or null). */
export function isJsonObject(column: AnyPgColumn): SQL {
  return sql`jsonb_typeof(${column}) = 'object'`;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
