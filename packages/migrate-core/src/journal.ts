import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { integrityError } from "./errors";

// The one module that knows drizzle-kit's folder layout (0.31): meta/_journal.json lists the
// migrations in order; <tag>.sql holds statements separated by "--> statement-breakpoint";
// <tag>.down.sql, the way back, is not a migration of its own.

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
}

interface JournalFile {
  entries: { idx: number; when: number; tag: string }[];
}

const BREAKPOINT = "--> statement-breakpoint";

/** Reads every migration the journal lists, checking that the folder and journal agree. */
export async function readMigrations(folder: string): Promise<Migration[]> {
  const journal = await readJournal(folder);
  const files = new Set((await readdir(folder)).filter((file) => file.endsWith(".sql") && !file.endsWith(".down.sql")));
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
    const text = await readFile(join(folder, file), "utf8");
    migrations.push(parseMigration(index, entry.tag, entry.when, text));
  }
  const [orphan] = files;
  if (orphan) {
    throw integrityError(
      "unlisted-file",
      `${orphan} is not listed in meta/_journal.json, so it would never run: create migrations with drizzle-kit generate (--custom for hand-written SQL).`,
    );
  }
  return migrations;
}

/** Splits a migration file into statements and classifies it. */
export function parseMigration(index: number, name: string, createdAt: number, text: string): Migration {
  const statements = text
    .split(BREAKPOINT)
    .map((chunk) => chunk.trim())
    .filter((chunk) => stripComments(chunk).trim() !== "");
  return {
    index,
    name,
    createdAt,
    hash: createHash("sha256").update(text).digest("hex"),
    statements,
    transactional: !statements.some((statement) => /\bconcurrently\b/i.test(stripComments(statement))),
  };
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, "");
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
