import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { casing } from "../casing";
import type { Queryable } from "./queryable";

const dialect = new PgDialect({ casing });

/**
 * Runs `statement` as the prepared statement `name` of whichever connection runs it: PostgreSQL
 * parses and plans its text once per connection instead of on every call (for a hot path's
 * multi-CTE statement, most of a small call's server time). Every call must render the same text
 * (values travel as parameters); `pg` refuses a name reused for another text.
 */
export async function executePrepared<Row>(db: Queryable, name: string, statement: SQL): Promise<Row[]> {
  const result = await db._.session.prepareQuery(dialect.sqlToQuery(statement), undefined, name, false).execute();
  return (result as { rows: Row[] }).rows;
}
