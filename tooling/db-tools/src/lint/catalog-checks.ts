import type pg from "pg";

/** A problem of the migrated schema itself, before it is tied to the migration that caused it. */
export interface CatalogProblem {
  /** Identity across migrations: the same problem found again later is not new. */
  key: string;
  rule: "redundant-index" | "foreign-key-without-index";
  /** Object names whose creating (or dropping) statement is the one at fault, most likely first. */
  objects: string[];
  risk: string;
  fix: string;
}

interface IndexRow {
  table: string;
  name: string;
  columns: string[];
  unique: boolean;
  /** Backs a PRIMARY KEY or UNIQUE constraint (dropping it means dropping the constraint). */
  constraint: boolean;
}

interface ForeignKeyRow {
  table: string;
  name: string;
  columns: string[];
  referenced: string;
}

// Plain btree indexes on columns only: partial and expression indexes serve other queries.
const INDEXES = `
  SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique,
         EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.contype IN ('p', 'u')) AS constraint,
         ARRAY(SELECT a.attname FROM unnest((x.indkey::int2[])[0:x.indnkeyatts - 1]) WITH ORDINALITY k(attnum, n)
               JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace s ON s.oid = t.relnamespace
  JOIN pg_am am ON am.oid = i.relam
  WHERE s.nspname = 'public' AND am.amname = 'btree' AND x.indpred IS NULL AND x.indexprs IS NULL
  ORDER BY t.relname, i.relname`;

const FOREIGN_KEYS = `
  SELECT t.relname AS table, c.conname AS name, r.relname AS referenced,
         ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
  FROM pg_constraint c
  JOIN pg_class t ON t.oid = c.conrelid
  JOIN pg_class r ON r.oid = c.confrelid
  JOIN pg_namespace s ON s.oid = t.relnamespace
  WHERE s.nspname = 'public' AND c.contype = 'f'
  ORDER BY t.relname, c.conname`;

const list = (columns: string[]) => `(${columns.join(", ")})`;
const leads = (short: string[], long: string[]) => short.length <= long.length && short.every((c, i) => long[i] === c);

/** Redundant indexes and foreign keys without an index, in the database `client` is connected to. */
export async function catalogProblems(client: pg.Client): Promise<CatalogProblem[]> {
  const indexes = (await client.query<IndexRow>(INDEXES)).rows;
  const foreignKeys = (await client.query<ForeignKeyRow>(FOREIGN_KEYS)).rows;
  return [...redundantIndexes(indexes), ...unindexedForeignKeys(foreignKeys, indexes)];
}

function redundantIndexes(indexes: IndexRow[]): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  for (const index of indexes) {
    const cover = indexes.find((other) => other !== index && other.table === index.table && covers(other, index));
    if (!cover) continue;
    problems.push({
      key: `redundant-index ${index.name}`,
      rule: "redundant-index",
      objects: [index.name, cover.name],
      risk: `index ${index.name} on ${index.table} ${list(index.columns)} is redundant with ${cover.name} ${list(cover.columns)}: every write pays for both, and ${cover.name} already serves every lookup ${index.name} serves`,
      fix: `drop it (DROP INDEX CONCURRENTLY "${index.name}", in a migration of its own) or waive it with the reason it must stay`,
    });
  }
  return problems;
}

/** Whether `other` makes `index` unnecessary; of two identical indexes, exactly one is reported. */
function covers(other: IndexRow, index: IndexRow): boolean {
  if (!leads(index.columns, other.columns)) return false;
  const same = index.columns.length === other.columns.length;
  if (index.unique && !(other.unique && same)) return false;
  if (!same || index.unique !== other.unique) return true;
  // Identical: keep the one a constraint needs, else the first by name.
  if (index.constraint !== other.constraint) return other.constraint;
  return other.name < index.name;
}

function unindexedForeignKeys(foreignKeys: ForeignKeyRow[], indexes: IndexRow[]): CatalogProblem[] {
  const wanted = (fk: ForeignKeyRow) => [...fk.columns].sort().join(",");
  return foreignKeys
    .filter(
      (fk) =>
        !indexes.some(
          (index) =>
            index.table === fk.table && [...index.columns.slice(0, fk.columns.length)].sort().join(",") === wanted(fk),
        ),
    )
    .map((fk) => ({
      key: `foreign-key-without-index ${fk.name}`,
      rule: "foreign-key-without-index" as const,
      objects: [fk.name, fk.table],
      risk: `foreign key ${fk.name} on ${fk.table} ${list(fk.columns)} has no index leading with those columns: every DELETE or key UPDATE on ${fk.referenced} scans ${fk.table} (under lock), and joins from ${fk.referenced} scan it too`,
      fix: `add CREATE INDEX CONCURRENTLY ON "${fk.table}" (${fk.columns.map((c) => `"${c}"`).join(", ")}) in a migration of its own, or waive it with the reason no such scan happens`,
    }));
}
