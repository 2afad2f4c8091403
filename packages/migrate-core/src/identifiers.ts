import pg from "pg";

/** `schema.table` or `table` as a quoted SQL name, each part quoted on its own. */
export function quoteTable(table: string): string {
  return table
    .split(".")
    .map((part) => pg.escapeIdentifier(part))
    .join(".");
}
