import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode, integrityError, MigrateError } from "./errors";
import { runsInTransaction, splitStatements } from "./statements";

// The one module that knows drizzle-kit's folder layout (0.31): meta/_journal.json lists the
// migrations in order; <tag>.sql holds statements separated by "--> statement-breakpoint".
// Ours on top: <tag>.down.sql undoes <tag>.sql (same breakpoints); its first line may be a marker,
// `-- irreversible: <reason>`, `-- drops-data: <what is lost>` or the generator's `-- todo-down: …`.
// Expand/contract: the comment lines heading <tag>.sql may mark it `-- expand: <what it makes possible>`
// (with `-- backfill: <table>` lines, tables the migrator walks in batches after applying it) or
// `-- contract: <tag of the expand it completes>`; the migrator holds a contract until it is released.

/** One migration as drizzle-kit wrote it. */
export interface Migration {
  /** Position in the journal, from 0. */
  index: number;
  /** File name without `.sql`, e.g. `0002_enforce_not_null_and_value_sets`; the migration's identity. */
  name: string;
  /** Journal `when`: drizzle's own ledger orders by it. */
  createdAt: number;
  /** SHA-256 of the file's text, as drizzle-orm computes it. */
  hash: string;
  /** The statements, in order, without the breakpoint markers. */
  statements: string[];
  /** False when a statement cannot run inside a transaction (CONCURRENTLY); then each commits alone. */
  transactional: boolean;
  /** What undoes it (`<name>.down.sql`), or null when the folder has no down file for it. */
  down: DownMigration | null;
  /** Its part in an expand/contract pair (from the file's marker lines), or null for an ordinary migration. */
  phase: Phase | null;
}

/**
 * An expand keeps the previous and the new application version working; its backfill lists the tables
 * whose existing rows the migrator touches after applying it. A contract removes the old shape once the
 * previous version is gone; `expand` is the tag of the expand it completes.
 */
export type Phase = { kind: "expand"; backfill: string[] } | { kind: "contract"; expand: string };

/** A down migration: statements that take the schema back to where it was before its migration. */
export interface DownMigration {
  /** SHA-256 of the down file's text. */
  hash: string;
  statements: string[];
  transactional: boolean;
  /** Set when it may not run: `irreversible` (with the file's reason) or `unwritten` (still the generated template). */
  refusal: { kind: "irreversible" | "unwritten"; reason: string } | null;
  /** What it loses (from `-- drops-data: …`); it runs only when the user allows data loss. */
  dropsData: string | null;
}

interface JournalFile {
  entries: { idx: number; when: number; tag: string }[];
}

const BREAKPOINT = "--> statement-breakpoint";
const DOWN_SUFFIX = ".down.sql";

/** Reads every migration the journal lists, checking that the folder and journal agree. */
export async function readMigrations(folder: string): Promise<Migration[]> {
  const journal = await readJournal(folder);
  const files = new Set((await readdir(folder)).filter((file) => file.endsWith(".sql")));
  const downFiles = new Set([...files].filter((file) => file.endsWith(DOWN_SUFFIX)));
  for (const file of downFiles) files.delete(file);
  const migrations: Migration[] = [];
  let previousWhen = Number.NEGATIVE_INFINITY;
  for (const [index, entry] of journal.entries.entries()) {
    const file = `${entry.tag}.sql`;
    if (!files.delete(file)) {
      throw integrityError(
        "missing-file",
        `Migration ${entry.tag} is in meta/_journal.json but ${file} is missing: restore the file from version control.`,
      );
    }
    if (entry.when <= previousWhen) {
      throw integrityError(
        "journal-order",
        `Migration ${entry.tag} is dated before the migration listed above it in meta/_journal.json: regenerate it on top of the current history with drizzle-kit generate.`,
      );
    }
    previousWhen = entry.when;
    // Synchronous: hundreds of small files read in a loop cost a thread-pool round trip each when async.
    const text = readFileSync(join(folder, file), "utf8");
    const downFile = `${entry.tag}${DOWN_SUFFIX}`;
    const downText = downFiles.delete(downFile) ? readFileSync(join(folder, downFile), "utf8") : null;
    const migration = parseMigration(index, entry.tag, entry.when, text, downText);
    if (migration.phase?.kind === "contract") checkContract(migration.name, migration.phase.expand, migrations);
    migrations.push(migration);
  }
  const [orphan] = files;
  if (orphan) {
    throw integrityError(
      "unlisted-file",
      `${orphan} is not listed in meta/_journal.json, so it would never run: create migrations with drizzle-kit generate (--custom for hand-written SQL).`,
    );
  }
  const [orphanDown] = downFiles;
  if (orphanDown) {
    throw integrityError(
      "unlisted-file",
      `${orphanDown} undoes no migration of meta/_journal.json: rename it after its migration (<tag>${DOWN_SUFFIX}) or delete it.`,
    );
  }
  return migrations;
}

/** The migration named `name`, or a usage error saying where to find the names. */
export function findMigration(migrations: Migration[], name: string): Migration {
  const found = migrations.find((migration) => migration.name === name);
  if (!found) {
    throw new MigrateError(
      "unknown-migration",
      `No migration named ${name}: pass a name from the migrations folder (see migrator status).`,
      ExitCode.usage,
    );
  }
  return found;
}

/** Splits a migration file (and its down file, if any) into statements and classifies them. */
export function parseMigration(
  index: number,
  name: string,
  createdAt: number,
  text: string,
  downText: string | null = null,
): Migration {
  return {
    index,
    name,
    createdAt,
    ...parseStatements(text),
    down: downText === null ? null : parseDown(downText),
    phase: parsePhase(name, text),
  };
}

const PHASE_MARKER = /^--\s*(expand|backfill|contract):(.*)$/;
// A table as the backfill names it: `name` or `schema.name`, without quotes (the migrator quotes it).
const TABLE_NAME = /^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$/;

/** The phase marked by the comment lines before the file's first statement (in any order). */
function parsePhase(name: string, text: string): Phase | null {
  const markers: { kind: string; value: string }[] = [];
  for (const line of text.split("\n").map((raw) => raw.trim())) {
    if (line === "" || line.startsWith("-->")) continue; // blank, or drizzle-kit's statement breakpoint
    if (!line.startsWith("--")) break;
    const [, kind, value = ""] = PHASE_MARKER.exec(line) ?? [];
    if (kind) markers.push({ kind, value: value.trim() });
  }
  const kinds = new Set(markers.map((marker) => marker.kind));
  const refuse = (problem: string) =>
    integrityError(
      "bad-phase-marker",
      `Migration ${name}: ${problem}: fix the marker lines at the top of ${name}.sql.`,
    );
  if (kinds.has("expand") && kinds.has("contract")) throw refuse("it is marked both `-- expand:` and `-- contract:`");
  const backfill = markers.filter((marker) => marker.kind === "backfill").map((marker) => marker.value);
  if (kinds.has("contract")) {
    if (backfill.length > 0) throw refuse("`-- backfill:` belongs to an expand, not a contract");
    const contracts = markers.filter((marker) => marker.kind === "contract");
    const expand = contracts[0]?.value ?? "";
    if (contracts.length > 1 || expand === "")
      throw refuse("a contract names exactly one expand (`-- contract: <tag>`)");
    return { kind: "contract", expand };
  }
  if (!kinds.has("expand")) {
    if (backfill.length > 0) throw refuse("`-- backfill:` belongs to an expand, and there is no `-- expand:` line");
    return null;
  }
  if (markers.some((marker) => marker.kind === "expand" && marker.value === "")) {
    throw refuse("`-- expand:` says in one line what the expand makes possible, and it is empty");
  }
  for (const table of backfill) {
    if (!TABLE_NAME.test(table)) throw refuse(`\`-- backfill: ${table}\` is not a table name (table or schema.table)`);
  }
  return { kind: "expand", backfill };
}

/** A contract completes an expand listed before it; anything else is a mistake in the marker. */
function checkContract(name: string, expand: string, earlier: Migration[]): void {
  const target = earlier.find((migration) => migration.name === expand);
  if (target?.phase?.kind === "expand") return;
  throw integrityError(
    "bad-phase-marker",
    `Migration ${name} is marked \`-- contract: ${expand}\`, but ${target ? `${expand} is not an expand` : `no earlier migration is named ${expand}`}: name the tag of the expand migration it completes.`,
  );
}

function parseDown(text: string): DownMigration {
  const marker = /^-- (irreversible|drops-data|todo-down):(.*)/.exec(text.split("\n", 1)[0] ?? "");
  const [, kind, reason = ""] = marker ?? [];
  return {
    ...parseStatements(text),
    refusal:
      kind === "irreversible"
        ? { kind: "irreversible", reason: reason.trim() }
        : kind === "todo-down"
          ? { kind: "unwritten", reason: reason.trim() }
          : null,
    dropsData: kind === "drops-data" ? reason.trim() : null,
  };
}

/** The breakpoint chunks the migrator runs one by one (those holding a statement), and how it runs them. */
function parseStatements(text: string) {
  const chunks = text
    .split(BREAKPOINT)
    .map((chunk) => ({ text: chunk.trim(), statements: splitStatements(chunk) }))
    .filter((chunk) => chunk.statements.length > 0);
  return {
    hash: createHash("sha256").update(text).digest("hex"),
    statements: chunks.map((chunk) => chunk.text),
    transactional: runsInTransaction(chunks.flatMap((chunk) => chunk.statements)),
  };
}

async function readJournal(folder: string): Promise<JournalFile> {
  let text: string;
  try {
    text = await readFile(join(folder, "meta", "_journal.json"), "utf8");
  } catch {
    throw integrityError(
      "no-journal",
      `No migrations journal at ${join(folder, "meta", "_journal.json")}: point the migrator at a drizzle-kit migrations folder.`,
    );
  }
  try {
    return JSON.parse(text) as JournalFile;
  } catch {
    throw integrityError("bad-journal", "meta/_journal.json is not valid JSON: restore it from version control.");
  }
}
