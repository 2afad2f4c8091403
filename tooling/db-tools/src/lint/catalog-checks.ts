import { describeSchema } from "@devtools-sync/migrate-core";
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

const list = (columns: string[]) => `(${columns.join(", ")})`;
const leads = (short: string[], long: string[]) => short.length <= long.length && short.every((c, i) => long[i] === c);

/** Redundant indexes and foreign keys without an index, in the database `client` is connected to. */
export async function catalogProblems(client: pg.Client): Promise<CatalogProblem[]> {
  const tables = Object.entries((await describeSchema(client)).tables);
  // Plain btree indexes on columns only: partial and expression indexes serve other queries.
  const indexes: IndexRow[] = tables.flatMap(([table, description]) =>
    Object.entries(description.indexes)
      .filter(([, index]) => index.method === "btree" && !index.partial && !index.columns.includes(null))
      .map(([name, index]) => ({ table, name, ...index, columns: index.columns as string[] })),
  );
  const foreignKeys: ForeignKeyRow[] = tables.flatMap(([table, description]) =>
    Object.entries(description.constraints)
      .filter(([, constraint]) => constraint.type === "f")
      .map(([name, constraint]) => ({
        table,
        name,
        columns: constraint.columns,
        referenced: constraint.references as string,
      })),
  );
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
