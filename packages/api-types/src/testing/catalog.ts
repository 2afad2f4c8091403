import { sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";

/** A column as PostgreSQL's information_schema describes it. */
export interface CatalogColumn {
  table: string;
  column: string;
  nullable: boolean;
  dataType: string;
  maxLength: number | null;
}

/** A table constraint as pg_constraint describes it. */
export type CatalogConstraint = {
  name: string;
  table: string;
  /** `p` primary key, `f` foreign key, `u` unique, `c` check, `x` exclusion, … */
  kind: string;
  columns: string[];
  definition: string;
};

/** The columns and constraints of `tables` in the migrated database: the constraints to agree with. */
export async function readCatalog(db: NodePgDatabase, tables: string[]) {
  const columns = await db.execute<{
    table: string;
    column: string;
    nullable: boolean;
    data_type: string;
    max_length: number | null;
  }>(sql`
    select table_name as table, column_name as column, is_nullable = 'YES' as nullable,
           data_type, character_maximum_length as max_length
    from information_schema.columns
    where table_schema = 'public' and table_name in ${tables}
    order by table_name, ordinal_position`);
  const constraints = await db.execute<CatalogConstraint>(sql`
    select con.conname as name, rel.relname as table, con.contype as kind,
           array(select att.attname from unnest(con.conkey) with ordinality k(attnum, n)
                 join pg_attribute att on att.attrelid = con.conrelid and att.attnum = k.attnum
                 order by k.n)::text[] as columns,
           pg_get_constraintdef(con.oid) as definition
    from pg_constraint con
    join pg_class rel on rel.oid = con.conrelid
    join pg_namespace ns on ns.oid = rel.relnamespace
    where ns.nspname = 'public' and rel.relname in ${tables}
    order by rel.relname, con.conname`);
  return {
    columns: columns.rows.map(
      (row): CatalogColumn => ({
        table: row.table,
        column: row.column,
        nullable: row.nullable,
        dataType: row.data_type,
        maxLength: row.max_length,
      }),
    ),
    constraints: constraints.rows,
  };
}
