import type pg from "pg";

// Tables are matched between the scratch database and the target by name (their OIDs differ):
// `users` for public tables, `schema.table` otherwise, quoted as SQL needs.

/** SQL giving the display name of the table (or index) `c` in namespace `n`. */
export const relationName = (c: string, n: string) =>
  `CASE WHEN ${n}.nspname = 'public' THEN quote_ident(${c}.relname) ELSE quote_ident(${n}.nspname) || '.' || quote_ident(${c}.relname) END`;

/** Existing tables of the database whose name appears as a word in one of the migrations' statements (catalog only, no lock). */
export async function tablesNamedIn(client: pg.ClientBase, migrations: { statements: string[] }[]): Promise<string[]> {
  const text = migrations.flatMap((migration) => migration.statements).join("\n");
  const { rows } = await client.query<{ name: string; relname: string }>(
    `SELECT ${relationName("c", "n")} AS name, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrator') AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY 1`,
  );
  return rows
    .filter(({ relname }) =>
      new RegExp(`(^|[^\\w$])${relname.replace(/[.*+?^${}()|[\]\\$]/g, "\\$&")}($|[^\\w$])`).test(text),
    )
    .map(({ name }) => name);
}
