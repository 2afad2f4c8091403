import { once } from "node:events";
import { getTableColumns, getTableName } from "drizzle-orm";
import { toSnakeCase } from "drizzle-orm/casing";
import type { PgTable } from "drizzle-orm/pg-core";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

/** A value as COPY's text format spells it. */
function field(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "boolean") return value ? "t" : "f";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.replace(/[\\\t\n\r]/g, (c) => (c === "\t" ? "\\t" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\\\"));
}

/**
 * Streams `rows` into `table` (or the table named `into`, shaped like it) with `COPY … FROM STDIN`.
 * The column list is the table's own (drizzle's `getTableColumns`), keeping those the first row
 * sets: columns the rows leave out take their defaults, and a column added to the schema is
 * copied as soon as the rows carry it. Calls `onRows` after each chunk. Returns the rows copied.
 */
export async function copyRows<Table extends PgTable>(
  client: pg.ClientBase,
  table: Table,
  rows: Iterable<Table["$inferInsert"]>,
  options: { into?: string; onRows?: (copied: number) => void } = {},
): Promise<number> {
  const iterator = rows[Symbol.iterator]();
  const first = iterator.next();
  if (first.done) return 0;
  const columns = Object.entries(getTableColumns(table))
    .filter(([key]) => key in first.value)
    .map(([key, column]) => ({ key, name: column.keyAsName ? toSnakeCase(key) : column.name }));
  const target = options.into ?? getTableName(table);
  const stream = client.query(
    copyFrom(`COPY "${target}" (${columns.map((column) => `"${column.name}"`).join(", ")}) FROM STDIN`),
  );
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  const line = (row: Record<string, unknown>) => columns.map((column) => field(row[column.key])).join("\t");
  let lines = [line(first.value)];
  let copied = 0;
  for (let next = iterator.next(); !next.done; next = iterator.next()) {
    lines.push(line(next.value));
    if (lines.length === 2000) {
      copied += lines.length;
      if (!stream.write(`${lines.join("\n")}\n`)) await once(stream, "drain");
      lines = [];
      options.onRows?.(copied);
    }
  }
  copied += lines.length;
  if (lines.length > 0) stream.write(`${lines.join("\n")}\n`);
  stream.end();
  await done;
  options.onRows?.(copied);
  return copied;
}
