import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { describeSchema, migrate, readMigrations, rollback } from "@devtools-sync/migrate-core";
import { refusal } from "@devtools-sync/migrate-core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { downMigrationText } from "./down-migration";

// `pnpm db:generate` as a developer runs it, against copies of the committed migrations folder and
// a schema changed on purpose: drizzle-kit writes the migration, the wrapper its down migration.

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const schemaIndex = createRequire(import.meta.url).resolve("@devtools-sync/db/schema");
// Inside node_modules, so the schema files resolve drizzle-orm like the package's own files.
const workDir = await mkdtemp(join(packageDir, "node_modules", ".tmp-generate-test-"));
afterAll(() => rm(workDir, { recursive: true, force: true }));
// drizzle-kit numbers a new migration by how many the journal already holds.
const next = String((await readMigrations(migrationsFolder)).length).padStart(4, "0");

const WIDGETS = `import { pgTable, text, uuid } from "drizzle-orm/pg-core";
export * from ${JSON.stringify(schemaIndex)};
export const widgets = pgTable("widgets", { id: uuid().primaryKey().defaultRandom(), label: text().notNull() });
`;
// Every table but blocklist: the generated migration drops it, with its rows.
const WITHOUT_BLOCKLIST = `export { agents, apiKeys, auditLog, auditLogPurges, complianceExtensions, complianceGroups, complianceViolations, extensions, groupExtensions, groups, reports, users } from ${JSON.stringify(schemaIndex)};
`;

let copies = 0;
/** Runs `pnpm db:generate <args>` on a fresh copy of the committed folder with `schema`; returns the copy. */
async function generate(schema: string, args: string[]): Promise<string> {
  const dir = join(workDir, String(copies++));
  await cp(migrationsFolder, join(dir, "migrations"), { recursive: true });
  const { code, output } = await generateIn(dir, schema, args);
  // drizzle-kit exits 0 even when it fails, so success is the wrapper's line naming the down file.
  if (code !== 0 || !output.includes("Down migration:")) {
    throw new Error(`pnpm db:generate ${args.join(" ")} exited ${code} without a down migration:\n${output}`);
  }
  return join(dir, "migrations");
}

/** Runs `pnpm db:generate <args>` on `dir`/migrations with `schema`; returns its exit code and output. */
async function generateIn(dir: string, schema: string, args: string[]) {
  await writeFile(join(dir, "schema.ts"), schema);
  // Relative paths: drizzle-kit 0.31 prefixes "./" to an absolute --out.
  const flags = ["--dialect", "postgresql", "--schema", relative(packageDir, join(dir, "schema.ts"))];
  flags.push("--out", relative(packageDir, join(dir, "migrations")), "--casing", "snake_case");
  return runScript("generate.ts", [...flags, ...args]);
}

const generateDown = (folder: string, tag: string) => runScript("generate-down.ts", [tag], { MIGRATIONS_DIR: folder });

/** Runs `scripts/<script>` as its package script does; returns its exit code and its output. */
async function runScript(script: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", `scripts/${script}`, ...args], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, output };
}

const after = (number: string) => String(Number(number) + 1).padStart(4, "0");

const newest = async (folder: string) => {
  const migration = (await readMigrations(folder)).at(-1);
  if (!migration?.down) throw new Error(`no down migration next to ${migration?.name}`);
  return {
    ...migration,
    down: migration.down,
    text: await readFile(join(folder, `${migration.name}.down.sql`), "utf8"),
  };
};

describe("pnpm db:generate", () => {
  it("writes next to a new table's migration a down migration that drops it, marked drops-data, byte for byte the same each time", async () => {
    const [folder, again] = await Promise.all([
      generate(WIDGETS, ["--name", "add_widgets"]),
      generate(WIDGETS, ["--name", "add_widgets"]),
    ]);
    const added = await newest(folder);
    expect(added.name).toBe(`${next}_add_widgets`);
    expect(added.text.split("\n")[0]).toBe('-- drops-data: table "widgets" and its rows');
    expect(added.down.statements).toHaveLength(1);
    expect(added.text).toMatch(/^DROP TABLE "widgets" CASCADE;$/m);
    expect((await newest(again)).text).toBe(added.text);
    expect(await downMigrationText(folder, added.name)).toBe(added.text);

    // pnpm db:generate-down writes the same file for a migration that lacks one, and never overwrites.
    await rm(join(folder, `${added.name}.down.sql`));
    expect((await generateDown(folder, added.name)).code).toBe(0);
    expect((await newest(folder)).text).toBe(added.text);
    const overwrite = await generateDown(folder, added.name);
    expect(overwrite.code).toBe(2);
    expect(overwrite.output).toContain(
      `Already written (delete a file to have it generated again): ${added.name}.down.sql`,
    );

    // And the migrator runs it: refused without the flag, then back to the committed schema.
    const database = await createTestDatabase();
    await withClient(database.url, async (client) => {
      await migrate({ client, folder: migrationsFolder });
      const committed = await describeSchema(client);
      await migrate({ client, folder });
      const withWidgets = await describeSchema(client);
      const error = await refusal(() => rollback({ client, folder, steps: 1 }));
      expect(error).toMatchObject({ code: "drops-data", exitCode: 2 });
      expect(error.message).toContain(`${next}_add_widgets (table "widgets" and its rows)`);
      expect(error.message).toContain("--allow-data-loss");
      expect(await describeSchema(client)).toEqual(withWidgets);

      await rollback({ client, folder, steps: 1, allowDataLoss: true });
      expect(await describeSchema(client)).toEqual(committed);
    });
  }, 120_000);

  it("writes a breaking change as an expand/contract pair: the table is dropped by the contract, whose down migration is irreversible", async () => {
    const folder = await generate(WITHOUT_BLOCKLIST, ["--name", "drop_blocklist"]);
    const migrations = await readMigrations(folder);
    const [expand, contract] = migrations.slice(-2);
    expect(expand).toMatchObject({ name: `${next}_drop_blocklist_expand`, phase: { kind: "expand", backfill: [] } });
    expect(contract).toMatchObject({
      name: `${after(next)}_drop_blocklist_contract`,
      phase: { kind: "contract", expand: expand?.name },
    });
    expect(contract?.statements.join("\n")).toMatch(/^DROP TABLE "blocklist" CASCADE;$/m);
    expect(expand?.statements.join("\n")).not.toMatch(/DROP TABLE/);
    const contractDown = await readFile(join(folder, `${contract?.name}.down.sql`), "utf8");
    expect(contractDown.split("\n")[0]).toMatch(
      new RegExp(`^-- irreversible: ${contract?.name} is the contract of ${expand?.name}`),
    );

    // The previous version's table survives the expand; the migrator refuses to roll back the contract.
    const database = await createTestDatabase();
    await withClient(database.url, async (client) => {
      await migrate({ client, folder, to: expand?.name });
      expect((await client.query(`SELECT to_regclass('blocklist') IS NOT NULL AS present`)).rows[0].present).toBe(true);
      await migrate({ client, folder, to: contract?.name });
      expect((await client.query(`SELECT to_regclass('blocklist') IS NOT NULL AS present`)).rows[0].present).toBe(
        false,
      );
      const error = await refusal(() => rollback({ client, folder, steps: 1, allowDataLoss: true }));
      expect(error).toMatchObject({ code: "contract-irreversible", exitCode: 2 });
    });
  }, 120_000);

  it("refuses a breaking change it lacks a fix for in one line, exit 1, leaving the folder as it was; with --up it writes the pair", async () => {
    const folder = await generate(WIDGETS, ["--name", "add_widgets"]);
    const dir = join(folder, "..");
    const journal = await readFile(join(folder, "meta", "_journal.json"), "utf8");
    const required = WIDGETS.replace("label: text().notNull()", "label: text().notNull(), note: text()").replace(
      "note: text()",
      "note: text().notNull()",
    );
    // First a nullable column (compatible), then the same column NOT NULL without a default.
    expect(
      (
        await generateIn(dir, WIDGETS.replace("label: text().notNull()", "label: text().notNull(), note: text()"), [
          "--name",
          "add_note",
        ])
      ).code,
    ).toBe(0);
    const withNote = await readFile(join(folder, "meta", "_journal.json"), "utf8");
    expect(withNote).not.toBe(journal);
    const refused = await generateIn(dir, required, ["--name", "require_note"]);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain("breaking (set-not-null): the previous version may write NULL to widgets.note");
    expect(refused.output).toMatch(
      /_require_note was not written: widgets\.note becomes NOT NULL without a default, so nothing fills the NULLs the previous version still writes: give it a default in the TypeScript table \(\.default\(\.\.\.\)\), or say what such a row gets with pnpm db:generate --up 'widgets\.note=<SQL expression over the row>'\n/,
    );
    expect(await readFile(join(folder, "meta", "_journal.json"), "utf8")).toBe(withNote);
    expect((await readMigrations(folder)).at(-1)?.name).toMatch(/_add_note$/);

    const fixed = await generateIn(dir, required, ["--name", "require_note", "--up", "widgets.note='(none)'"]);
    expect(fixed.code).toBe(0);
    const [expand, contract] = (await readMigrations(folder)).slice(-2);
    expect(contract).toMatchObject({
      name: expect.stringMatching(/_require_note_contract$/),
      phase: { kind: "contract" },
    });
    expect(expand?.statements.join("\n")).toContain(
      `NEW."note" := (SELECT '(none)' FROM (SELECT (NEW).*) AS "widgets")`,
    );
  }, 120_000);

  it("writes a template for a --custom migration that the migrator refuses until it is written", async () => {
    const folder = await generate(`export * from ${JSON.stringify(schemaIndex)};\n`, ["--custom", "--name", "fix_x"]);
    const custom = await newest(folder);
    expect(custom.text).toMatch(new RegExp(`^-- todo-down: write below the SQL that undoes ${next}_fix_x`));
    expect(custom.down.refusal?.kind).toBe("unwritten");

    const database = await createTestDatabase();
    await withClient(database.url, async (client) => {
      await migrate({ client, folder });
      const error = await refusal(() => rollback({ client, folder, steps: 1 }));
      expect(error).toMatchObject({ code: "unwritten-down-migration", exitCode: 2 });
    });
  }, 120_000);
});
