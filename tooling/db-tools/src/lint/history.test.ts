import { execFile } from "node:child_process";
import { cp, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { temporaryFolder } from "@devtools-sync/migrate-core/testing";
import { describe, expect, it } from "vitest";
import { historyFindings } from "./history";

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const drizzleKit = join(packageRoot, "node_modules/.bin/drizzle-kit");
const schemaIndex = createRequire(import.meta.url).resolve("@devtools-sync/db/schema");

function drizzle(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(drizzleKit, args, { cwd: packageRoot }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

/** A copy of the committed migrations, as a branch sees them. */
async function branch(): Promise<string> {
  const folder = join(await temporaryFolder(), "migrations");
  await cp(migrationsFolder, folder, { recursive: true });
  return folder;
}

/** `pnpm db:generate --custom --name <name>` run on a branch (drizzle-kit wants a relative --out). */
async function generate(folder: string, name: string) {
  const out = relative(packageRoot, folder);
  const run = await drizzle([
    "generate",
    "--custom",
    "--name",
    name,
    "--dialect",
    "postgresql",
    "--schema",
    relative(packageRoot, schemaIndex),
    "--out",
    out,
    "--casing",
    "snake_case",
  ]);
  expect(run.code, run.output).toBe(0);
}

const journal = async (folder: string) => JSON.parse(await readFile(join(folder, "meta/_journal.json"), "utf8"));
const setJournal = (folder: string, value: unknown) =>
  writeFile(join(folder, "meta/_journal.json"), JSON.stringify(value, null, 2));

// drizzle-kit numbers a generated migration by how many the journal already holds.
const committed = (await journal(migrationsFolder)).entries.length;
const numbered = (idx: number) => String(idx).padStart(4, "0");
const next = numbered(committed);
const afterNext = numbered(committed + 1);

/** Two branches that each added a migration to the same history: `main` and `feature`. */
async function forkedBranches() {
  const main = await branch();
  const feature = await branch();
  await generate(main, "add_widgets");
  await generate(feature, "add_gadgets");
  return { main, feature, featureEntry: (await journal(feature)).entries.at(-1) };
}

const described = (findings: Awaited<ReturnType<typeof historyFindings>>) =>
  findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.risk}`);

describe("one line of migration history", () => {
  it("holds for the committed migrations, and drizzle-kit check (the first half of pnpm db:check) agrees", async () => {
    expect(await historyFindings(migrationsFolder)).toEqual([]);
    const check = await drizzle(["check"]);
    expect(check.code, check.output).toBe(0);
  });

  it("holds after a migration is generated on top", async () => {
    const folder = await branch();
    await generate(folder, "add_widgets");
    expect(await historyFindings(folder)).toEqual([]);
  });

  it("fails when a merge keeps both branches' migration of the same number, and says how to regenerate", async () => {
    const { main, feature, featureEntry } = await forkedBranches();
    // git merges the journal by keeping both appended entries; the snapshot add/add conflict keeps main's.
    await cp(join(feature, `${next}_add_gadgets.sql`), join(main, `${next}_add_gadgets.sql`));
    const merged = await journal(main);
    merged.entries.push(featureEntry);
    await setJournal(main, merged);
    const findings = await historyFindings(main);
    expect(described(findings)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^migrations/meta/_journal.json:\\d+ branch-conflict: ${next}_add_gadgets and ${next}_add_widgets both are migration ${next}`,
        ),
      ),
    ]);
    expect(findings[0]?.fix).toContain("pnpm db:generate --name <verb_object> again");
  });

  it("fails when the feature branch's migration was renumbered by hand after the merge (drizzle-kit check agrees)", async () => {
    const { main, feature, featureEntry } = await forkedBranches();
    await cp(join(feature, `${next}_add_gadgets.sql`), join(main, `${afterNext}_add_gadgets.sql`));
    await cp(join(feature, `meta/${next}_snapshot.json`), join(main, `meta/${afterNext}_snapshot.json`));
    const merged = await journal(main);
    merged.entries.push({ ...featureEntry, idx: committed + 1, tag: `${afterNext}_add_gadgets` });
    await setJournal(main, merged);
    expect(described(await historyFindings(main))).toEqual([
      expect.stringMatching(
        new RegExp(
          `branch-conflict: meta/${afterNext}_snapshot.json and meta/${next}_snapshot.json both follow the same parent`,
        ),
      ),
    ]);
    const check = await drizzle(["check", "--dialect", "postgresql", "--out", relative(packageRoot, main)]);
    expect(check.code).not.toBe(0);
    expect(check.output).toMatch(/collision/);
  });

  it("fails on a snapshot that no journal entry owns", async () => {
    const folder = await branch();
    await generate(folder, "add_widgets");
    const stray = numbered(committed + 2);
    await rename(join(folder, `meta/${next}_snapshot.json`), join(folder, `meta/${stray}_snapshot.json`));
    expect(described(await historyFindings(folder))).toEqual([
      expect.stringMatching(
        new RegExp(`_journal.json:\\d+ branch-conflict: ${next}_add_widgets has no meta/${next}_snapshot.json`),
      ),
      `migrations/meta/${stray}_snapshot.json:1 branch-conflict: meta/${stray}_snapshot.json belongs to no migration of the journal`,
    ]);
  });
});
