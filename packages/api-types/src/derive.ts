import { type Column, getTableColumns, type Table } from "drizzle-orm";
import type { GetZodType } from "drizzle-zod";
import { z } from "zod";
import { isInet, isoTimestamp, jsonObject, storableText, timestamp, uuid } from "./common";

// drizzle-zod derives the columns, their nullability, optionality and value sets (varchar enums)
// from a table. This module supplies what drizzle-zod's defaults get wrong for PostgreSQL:
// code-point lengths, canonical-UUID rather than RFC-version UUIDs, inet addresses, JSON objects,
// and the instants drizzle can actually write. Tables then narrow columns with domain rules.

type ColumnsOf<T extends Table> = T["_"]["columns"];

/** drizzle-zod's schema of one column before nullability, `z.ZodUUID` read as the `z.ZodGUID` we use. */
export type ColumnSchema<C extends Column> =
  GetZodType<C, undefined> extends z.ZodUUID ? z.ZodGUID : GetZodType<C, undefined>;

/** drizzle-zod refinement callbacks making every column of `T` exactly what PostgreSQL stores. */
export type StoredRules<T extends Table> = {
  [K in keyof ColumnsOf<T>]: (derived: GetZodType<ColumnsOf<T>[K], undefined>) => ColumnSchema<ColumnsOf<T>[K]>;
};

/** Domain rules of a table: for some columns, a narrowing of what PostgreSQL stores. */
export type DomainRules<T extends Table> = {
  [K in keyof ColumnsOf<T>]?: (stored: ColumnSchema<ColumnsOf<T>[K]>) => z.ZodType;
};

/** Stored rules with the domain rules applied on top. */
export type WrittenRules<T extends Table, D extends DomainRules<T>> = {
  [K in keyof ColumnsOf<T>]: K extends keyof D
    ? D[K] extends (stored: never) => infer Narrowed
      ? (derived: GetZodType<ColumnsOf<T>[K], undefined>) => Narrowed
      : never
    : StoredRules<T>[K];
};

/** The schema of what a column of this type can hold, or `undefined` to keep drizzle-zod's. */
function storedSchema(column: Column): z.ZodType | undefined {
  switch (column.columnType) {
    case "PgUUID":
      return uuid;
    case "PgVarchar":
      // A value set (`varchar({ enum })`) stays drizzle-zod's z.enum of the schema's own list.
      return column.enumValues?.length ? undefined : storableText((column as { length?: number }).length);
    case "PgText":
      return storableText();
    case "PgJsonb":
      return jsonObject();
    case "PgInet":
      return storableText().refine(isInet, { message: "must be an IP address, optionally with a /prefix" });
    case "PgTimestamp":
      return timestamp;
    case "PgBoolean":
      return undefined;
    default:
      // A column type this module has not learned: fail at import rather than validate loosely.
      throw new Error(`api-types: no validation rule for ${column.columnType} column "${column.name}"`);
  }
}

/** A table's CHECK constraints beyond value sets, as zod; each keeps its column's schema type. */
export type CheckRules<T extends Table> = {
  [K in keyof ColumnsOf<T>]?: (stored: ColumnSchema<ColumnsOf<T>[K]>) => ColumnSchema<ColumnsOf<T>[K]>;
};

/**
 * drizzle-zod refinements for `table`. `stored` describes what each column can hold: its type,
 * length and value set, plus the table's other CHECK constraints given as `checks` (select
 * schemas use it). `written` adds the API's `domain` rules on top (insert and update schemas use
 * it); each domain rule receives the stored schema, so it can only narrow what PostgreSQL accepts.
 */
export function columnRules<T extends Table, D extends DomainRules<T>>(
  table: T,
  rules: { checks?: CheckRules<T>; domain: D },
): { stored: StoredRules<T>; written: WrittenRules<T, D> } {
  type Rule = (schema: z.ZodType) => z.ZodType;
  const checks = (rules.checks ?? {}) as Record<string, Rule | undefined>;
  const domain = rules.domain as Record<string, Rule | undefined>;
  const stored: Record<string, Rule> = {};
  const written: Record<string, Rule> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const schema = storedSchema(column);
    const check = checks[key];
    const narrow = domain[key];
    const toStored: Rule = (derived) => (check ? check(schema ?? derived) : (schema ?? derived));
    stored[key] = toStored;
    written[key] = narrow ? (derived) => narrow(toStored(derived)) : toStored;
  }
  return { stored, written } as unknown as { stored: StoredRules<T>; written: WrittenRules<T, D> };
}

// ---------------------------------------------------------------------------------------------
// Insert and update schemas
// ---------------------------------------------------------------------------------------------

/** Columns the server owns: generated ids and the timestamps PostgreSQL and its triggers set. */
export const serverOwnedColumns = ["id", "createdAt", "updatedAt", "deletedAt"] as const;
/** One of the {@link serverOwnedColumns}. */
export type ServerOwnedColumn = (typeof serverOwnedColumns)[number];

/** The fields of an object schema (this package builds its objects from classic zod schemas only). */
const fieldsOf = (schema: z.ZodObject): [string, z.ZodType][] => Object.entries(schema.shape) as [string, z.ZodType][];

/** True for the key of a server-owned column. */
export const isServerOwned = (key: string): boolean => (serverOwnedColumns as readonly string[]).includes(key);

/** Keys `O` declares optional (`key?:`). */
type OptionalKeys<O> = { [K in keyof O]-?: object extends Pick<O, K> ? K : never }[keyof O];

/** A table's insertable row as the API takes it: `$inferInsert` without the server-owned columns. */
export type InsertRow<T extends Table> = Omit<T["$inferInsert"], ServerOwnedColumn>;

/**
 * The shape of an insert schema: server-owned columns gone, and every column that is nullable
 * or has a default optional. drizzle-zod 0.8 makes such a column optional at runtime but, when
 * it is refined with a callback, types it as a required key; this puts the `?` back.
 */
export type InsertShape<T extends Table, S extends z.core.$ZodShape> = {
  [K in Exclude<keyof S, ServerOwnedColumn>]: K extends OptionalKeys<T["$inferInsert"]>
    ? S[K] extends z.ZodOptional
      ? S[K]
      : z.ZodOptional<S[K]>
    : S[K];
};

/** Update schemas: every column optional, server-owned ones gone. */
export type UpdateShape<S extends z.core.$ZodShape> = Omit<S, ServerOwnedColumn>;

/** Turns drizzle-zod's insert schema of `table` into the strict insert schema the API uses. */
export function insertSchemaOf<T extends Table, S extends z.core.$ZodShape>(
  table: T,
  derived: z.ZodObject<S>,
): z.ZodObject<InsertShape<T, S>, z.core.$strict> {
  const columns = getTableColumns(table);
  const shape: Record<string, z.ZodType> = {};
  for (const [key, schema] of fieldsOf(derived)) {
    if (isServerOwned(key)) continue;
    const column = columns[key];
    const optional = column !== undefined && (!column.notNull || column.hasDefault);
    shape[key] = optional && !(schema instanceof z.ZodOptional) ? schema.optional() : schema;
  }
  return z.strictObject(shape) as unknown as z.ZodObject<InsertShape<T, S>, z.core.$strict>;
}

/** Turns drizzle-zod's update schema into the strict update schema the API uses. */
export function updateSchemaOf<S extends z.core.$ZodShape>(
  derived: z.ZodObject<S>,
): z.ZodObject<UpdateShape<S>, z.core.$strict> {
  const shape = Object.fromEntries(Object.entries(derived.shape).filter(([key]) => !isServerOwned(key)));
  return z.strictObject(shape) as unknown as z.ZodObject<UpdateShape<S>, z.core.$strict>;
}

/**
 * A patch that sets at least one column: drizzle refuses `UPDATE … SET` with nothing to set
 * (keys whose value is `undefined` do not count), so such a patch must be a 400, not a 500.
 */
export function nonEmptyPatch<S extends z.ZodObject>(schema: S): S {
  return schema.refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    message: "must set at least one field",
  });
}

// ---------------------------------------------------------------------------------------------
// Wire form: timestamps as ISO strings
// ---------------------------------------------------------------------------------------------

/** A field schema with every Date (also under nullable/optional) replaced by an ISO string codec. */
export type Wired<S> = S extends z.ZodDate
  ? typeof isoTimestamp
  : S extends z.ZodNullable<infer Inner>
    ? z.ZodNullable<Wired<Inner>>
    : S extends z.ZodOptional<infer Inner>
      ? z.ZodOptional<Wired<Inner>>
      : S;

function wiredField(schema: z.ZodType): z.ZodType | undefined {
  if (schema instanceof z.ZodDate) return isoTimestamp;
  if (schema instanceof z.ZodNullable) return wiredField(schema.unwrap() as z.ZodType)?.nullable();
  if (schema instanceof z.ZodOptional) return wiredField(schema.unwrap() as z.ZodType)?.optional();
  return undefined;
}

/**
 * `schema` as JSON carries it: each Date field becomes an ISO 8601 string that `.parse` decodes
 * to a Date and `z.encode` produces from one. Other fields, and strictness, stay as they are.
 */
export function wire<S extends z.core.$ZodShape, C extends z.core.$ZodObjectConfig>(
  schema: z.ZodObject<S, C>,
): z.ZodObject<{ [K in keyof S]: Wired<S[K]> }, C> {
  const dates: Record<string, z.ZodType> = {};
  for (const [key, field] of fieldsOf(schema)) {
    const wired = wiredField(field);
    if (wired) dates[key] = wired;
  }
  return schema.extend(dates) as unknown as z.ZodObject<{ [K in keyof S]: Wired<S[K]> }, C>;
}

/** `true` when `A` and `B` are the same type; `true satisfies Same<A, B>` fails to compile otherwise. */
export type Same<A, B> = (<V>() => V extends A ? 1 : 2) extends <V>() => V extends B ? 1 : 2 ? true : false;
