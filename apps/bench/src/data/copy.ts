import { once } from "node:events";
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

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Streams `rows` into `table` with `COPY … FROM STDIN`, `columns` (camelCase keys of the rows) in
 * that order; columns left out take their defaults. Calls `onRows` after each chunk. Returns the
 * number of rows copied.
 */
export async function copyRows<Row extends object>(
  client: pg.ClientBase,
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: Iterable<Row>,
  onRows: (copied: number) => void = () => {},
): Promise<number> {
  const stream = client.query(copyFrom(`COPY "${table}" (${columns.map(snakeCase).join(", ")}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  let lines: string[] = [];
  let copied = 0;
  for (const row of rows) {
    lines.push(columns.map((column) => field(row[column])).join("\t"));
    if (lines.length === 2000) {
      copied += lines.length;
      if (!stream.write(`${lines.join("\n")}\n`)) await once(stream, "drain");
      lines = [];
      onRows(copied);
    }
  }
  copied += lines.length;
  if (lines.length > 0) stream.write(`${lines.join("\n")}\n`);
  stream.end();
  await done;
  onRows(copied);
  return copied;
}
