import { randomUUID } from "node:crypto";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { replaceWithPair } from "@devtools-sync/db-tools/expand-contract";
import { type DrizzleSnapshotJSON, generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { pgTable, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core";

// The schema change the rollout scenario rolls out, made as a developer makes one: the new
// application version's drizzle table of reports stores extension_sha256 as text instead of
// varchar(64) (not installed_version: the compliance state's views read it). drizzle-kit diffs
// the committed schema against it, and pnpm db:generate's own code (db-tools' replaceWithPair)
// turns the breaking statement into the expand/contract pair: a shadow column kept in step by a
// trigger, a backfill of reports, the version schema's view for the new version, and the contract.

/** The new version's reports, as its queries see them: the columns they use, extension_sha256 now text. */
export const nextReports = pgTable("reports", {
  id: uuid().primaryKey(),
  agentId: uuid().notNull(),
  groupId: uuid().notNull(),
  extensionId: varchar({ length: 255 }).notNull(),
  extensionSha256: text(),
  reportedAt: timestamp({ withTimezone: true }).notNull(),
});

const CHANGE = "bench_reports_extension_sha256_text";

/**
 * A copy of packages/db/migrations with the pair appended, written by the generator exactly as
 * `pnpm db:generate` writes it into the committed folder; returns the folder and the pair's tags.
 */
export async function generatedRolloutPair(): Promise<{ folder: string; expand: string; contract: string }> {
  const folder = await mkdtemp(join(tmpdir(), "bench-rollout-"));
  await cp(migrationsFolder, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8"));
  const last = journal.entries.at(-1);
  const idx = last.idx + 1;
  const snapshotPath = (n: number) => join(folder, "meta", `${String(n).padStart(4, "0")}_snapshot.json`);
  const before: DrizzleSnapshotJSON = JSON.parse(await readFile(snapshotPath(last.idx), "utf8"));
  const after = structuredClone(before);
  after.id = randomUUID();
  after.prevId = before.id;
  const changed = generateDrizzleJson({ nextReports }, undefined, undefined, "snake_case").tables["public.reports"];
  (after.tables["public.reports"] as typeof changed).columns.extension_sha256 = changed?.columns.extension_sha256;
  // What drizzle-kit generate writes for the change: the migration, its snapshot and journal entry.
  const tag = `${String(idx).padStart(4, "0")}_${CHANGE}`;
  const statements = await generateMigration(before, after);
  await writeFile(join(folder, `${tag}.sql`), statements.join("\n--> statement-breakpoint\n"));
  await writeFile(snapshotPath(idx), JSON.stringify(after, null, 2));
  journal.entries.push({ ...last, idx, when: last.when + 1000, tag });
  await writeFile(journalPath, JSON.stringify(journal, null, 2));
  return { folder, ...(await replaceWithPair(folder, tag)) };
}
