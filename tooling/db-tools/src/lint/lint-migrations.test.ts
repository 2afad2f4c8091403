import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { temporaryFolder } from "@devtools-sync/migrate-core/testing";
import { describe, expect, it } from "vitest";
import { formatFinding } from "./finding";
import { lintDownFiles, lintMigrations } from "./lint-migrations";

/** A drizzle-kit migrations folder holding `steps` as migrations 0000, 0001, ... */
async function migrationsOf(...steps: string[]): Promise<string> {
  const folder = join(await temporaryFolder(), "migrations");
  await mkdir(join(folder, "meta"), { recursive: true });
  const tags = steps.map((_, index) => `${String(index).padStart(4, "0")}_step`);
  const entries = tags.map((tag, idx) => ({
    idx,
    version: "7",
    when: 1_700_000_000_000 + idx,
    tag,
    breakpoints: true,
  }));
  await writeFile(join(folder, "meta/_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }));
  await Promise.all(tags.map((tag, index) => writeFile(join(folder, `${tag}.sql`), steps[index] as string)));
  // Just the history chain of drizzle-kit's snapshots (the lint reads no more of them).
  const ids = tags.map(() => randomUUID());
  await Promise.all(
    tags.map((tag, index) =>
      writeFile(
        join(folder, `meta/${tag.slice(0, 4)}_snapshot.json`),
        JSON.stringify({ id: ids[index], prevId: ids[index - 1] ?? "00000000-0000-0000-0000-000000000000" }),
      ),
    ),
  );
  return folder;
}

async function lint(...steps: string[]) {
  const database = await createTestDatabase();
  return lintMigrations({ folder: await migrationsOf(...steps), databaseUrl: database.url });
}

const where = (findings: Awaited<ReturnType<typeof lint>>) => findings.map((f) => `${f.file}:${f.line} ${f.rule}`);

const tables = `CREATE TABLE "groups" ("id" uuid PRIMARY KEY, "name" text NOT NULL);
--> statement-breakpoint
CREATE TABLE "agents" ("id" uuid PRIMARY KEY, "group_id" uuid NOT NULL, "machine_id" text NOT NULL);`;

describe("pnpm db:check's migration lint", () => {
  it("passes the committed migrations, with their waivers", async () => {
    const database = await createTestDatabase();
    const findings = await lintMigrations({ folder: migrationsFolder, databaseUrl: database.url });
    expect(findings.map(formatFinding)).toEqual([]);
  });

  it("reports Squawk's findings with the file, the line, the risk and the fix", async () => {
    const findings = await lint(tables, 'SELECT 1;\nCREATE INDEX "agents_machine_id_idx" ON "agents" ("machine_id");');
    expect(findings).toEqual([
      {
        file: "migrations/0001_step.sql",
        line: 2,
        rule: "require-concurrent-index-creation",
        risk: expect.stringMatching(/lock/i),
        fix: expect.stringContaining("CONCURRENTLY"),
      },
    ]);
  });

  it("judges a CONCURRENTLY migration as the migrator runs it: statement by statement, re-running named index builds safely", async () => {
    const findings = await lint(
      tables,
      [
        'CREATE INDEX CONCURRENTLY "agents_machine_id_idx" ON "agents" ("machine_id");',
        'ALTER TABLE "agents" ADD COLUMN "os" text;',
        'ALTER TABLE "agents" ADD COLUMN IF NOT EXISTS "arch" text;',
      ].join("\n--> statement-breakpoint\n"),
    );
    expect(where(findings)).toEqual(["migrations/0001_step.sql:3 prefer-robust-stmts"]);
    expect(findings[0]?.fix).toMatch(/^use IF NOT EXISTS/);
  });

  it("drops a finding waived with a reason on the line above its statement", async () => {
    const waived = await lint(
      tables,
      '-- lint-ignore require-concurrent-index-creation: agents is created empty in this release\nCREATE INDEX "a_idx" ON "agents" ("machine_id");',
    );
    expect(waived).toEqual([]);
  });

  it("refuses a waiver without a reason, one that waives nothing, and one above no statement", async () => {
    const findings = await lint(
      tables,
      [
        "-- lint-ignore require-concurrent-index-creation",
        'CREATE INDEX "a_idx" ON "agents" ("machine_id");',
        "-- lint-ignore prefer-robust-stmts: left over",
        'ALTER TABLE "agents" ADD COLUMN "os" text;',
        "",
        "-- lint-ignore drops-data-without-marker: nothing below",
      ].join("\n"),
    );
    expect(where(findings)).toEqual([
      "migrations/0001_step.sql:1 waiver-without-reason",
      "migrations/0001_step.sql:2 require-concurrent-index-creation",
      "migrations/0001_step.sql:3 unused-waiver",
      "migrations/0001_step.sql:6 misplaced-waiver",
    ]);
  });

  it("takes whole-file waivers from a committed migration's .lint-ignore sidecar, leaving the migration's bytes alone", async () => {
    const database = await createTestDatabase();
    const folder = await migrationsOf(tables, 'CREATE INDEX "a_idx" ON "agents" ("machine_id");');
    const before = await lintMigrations({ folder, databaseUrl: database.url });
    expect(where(before)).toEqual(["migrations/0001_step.sql:1 require-concurrent-index-creation"]);
    await writeFile(
      join(folder, "0001_step.lint-ignore"),
      "-- 0001 is applied, so its waivers live here.\n\n-- lint-ignore-file require-concurrent-index-creation: agents is empty in this release\n",
    );
    expect(await lintMigrations({ folder, databaseUrl: (await createTestDatabase()).url })).toEqual([]);
  });

  it("refuses a sidecar line without a reason, one that is no whole-file waiver, one that waives nothing, and a sidecar of no migration", async () => {
    const database = await createTestDatabase();
    const folder = await migrationsOf(tables, 'CREATE INDEX "a_idx" ON "agents" ("machine_id");');
    await writeFile(
      join(folder, "0001_step.lint-ignore"),
      [
        "-- lint-ignore-file require-concurrent-index-creation",
        "-- lint-ignore require-concurrent-index-creation: a statement waiver has no statement here",
        'CREATE INDEX "b_idx" ON "agents" ("group_id");',
        "-- lint-ignore-file drops-data-without-marker: nothing here drops data",
      ].join("\n"),
    );
    await writeFile(
      join(folder, "0007_gone.lint-ignore"),
      "-- lint-ignore-file prefer-text-field: the migration was renamed\n",
    );
    const findings = await lintMigrations({ folder, databaseUrl: database.url });
    expect(where(findings)).toEqual([
      "migrations/0001_step.lint-ignore:1 waiver-without-reason",
      "migrations/0001_step.lint-ignore:2 misplaced-waiver",
      "migrations/0001_step.lint-ignore:3 misplaced-waiver",
      "migrations/0001_step.lint-ignore:4 unused-waiver",
      "migrations/0001_step.sql:1 require-concurrent-index-creation",
      "migrations/0007_gone.lint-ignore:1 orphan-waiver-file",
    ]);
  });

  it("reports an index whose columns lead another index of the table, at the statement that made it redundant", async () => {
    const findings = await lint(
      `${tables}\n--> statement-breakpoint\nCREATE UNIQUE INDEX "agents_group_machine_key" ON "agents" ("group_id", "machine_id");`,
      '-- lint-ignore-file require-concurrent-index-creation: empty tables\nCREATE INDEX "agents_group_idx" ON "agents" ("group_id");',
    );
    expect(where(findings)).toEqual(["migrations/0001_step.sql:2 redundant-index"]);
    expect(findings[0]?.risk).toContain(
      "agents_group_idx on agents (group_id) is redundant with agents_group_machine_key",
    );
    expect(findings[0]?.fix).toContain('DROP INDEX CONCURRENTLY "agents_group_idx"');
  });

  it("reports one of two identical indexes, and no unique or partial index that another leads", async () => {
    const findings = await lint(
      [
        tables,
        'CREATE INDEX "b_idx" ON "agents" ("machine_id");',
        'CREATE INDEX "a_idx" ON "agents" ("machine_id");',
        'CREATE UNIQUE INDEX "group_key" ON "agents" ("group_id");',
        'CREATE INDEX "group_machine_idx" ON "agents" ("group_id", "machine_id");',
        'CREATE INDEX "recent_idx" ON "agents" ("machine_id") WHERE "group_id" IS NULL;',
      ].join("\n"),
    );
    expect(where(findings)).toEqual(["migrations/0000_step.sql:4 redundant-index"]);
    expect(findings[0]?.risk).toMatch(/^index b_idx /);
  });

  it("reports a foreign key without an index on its columns, and accepts an index that leads with them", async () => {
    const fk =
      'ALTER TABLE "agents" ADD CONSTRAINT "agents_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups"("id");';
    const findings = (await lint(tables, `SELECT 1;\n${fk}`)).filter((f) => f.rule === "foreign-key-without-index");
    expect(where(findings)).toEqual(["migrations/0001_step.sql:2 foreign-key-without-index"]);
    expect(findings[0]?.risk).toContain("every DELETE or key UPDATE on groups scans agents");
    expect(findings[0]?.fix).toContain('CREATE INDEX CONCURRENTLY ON "agents" ("group_id")');
    const indexed = await lint(
      tables,
      `CREATE INDEX CONCURRENTLY "agents_group_machine_idx" ON "agents" ("group_id", "machine_id");`,
      fk,
    );
    expect(indexed.filter((f) => f.rule === "foreign-key-without-index")).toEqual([]);
  });

  it("blames the migration that dropped the index a foreign key relied on", async () => {
    const findings = await lint(
      `${tables}\n--> statement-breakpoint\nCREATE INDEX "agents_group_idx" ON "agents" ("group_id");\n--> statement-breakpoint\nALTER TABLE "agents" ADD CONSTRAINT "agents_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups"("id");`,
      'DROP INDEX CONCURRENTLY IF EXISTS "agents_group_idx";',
    );
    expect(where(findings)).toEqual(["migrations/0001_step.sql:1 foreign-key-without-index"]);
  });

  it("reports a data-losing statement without a marker", async () => {
    const dataLoss = (findings: Awaited<ReturnType<typeof lint>>) =>
      where(findings.filter((f) => f.rule === "drops-data-without-marker"));
    const findings = await lint(tables, 'ALTER TABLE "agents" DROP COLUMN "machine_id";');
    expect(dataLoss(findings)).toEqual(["migrations/0001_step.sql:1 drops-data-without-marker"]);
    const marked = await lint(
      tables,
      '-- drops-data: machine ids, replaced by ...\nALTER TABLE "agents" DROP COLUMN "machine_id";',
    );
    expect(dataLoss(marked)).toEqual([]);
  });

  it("reports a statement that breaks the previous application version, unless a contract runs it or a reviewed waiver excuses it", async () => {
    const rename = 'ALTER TABLE "agents" RENAME COLUMN "machine_id" TO "machine_key";';
    const findings = await lint(tables, `SELECT 1;\n${rename}`);
    expect(findings.map(formatFinding)).toEqual([
      "migrations/0001_step.sql:2 breaks-previous-version: rename-column: the previous version's queries name agents.machine_id, which no longer exists, while that version still runs during the deploy\n  fix: generate it with pnpm db:generate, which writes an expand/contract pair (or write the pair with -- expand: / -- contract: markers); a reviewed exception: -- lint-ignore breaks-previous-version: <why no running version is affected>",
    ]);
    const waived = await lint(
      tables,
      `-- lint-ignore breaks-previous-version: no service reads agents.machine_id yet\n${rename}`,
    );
    expect(waived).toEqual([]);

    // In a pair, the contract may break the previous version (it runs once that version is gone); the expand may not.
    const pair = await lint(
      tables,
      '-- expand: rename agents.machine_id to machine_key\nCREATE SCHEMA "v_0001_step";',
      `-- contract: 0001_step\n${rename}`,
    );
    expect(pair).toEqual([]);
    const badExpand = await lint(tables, `-- expand: rename agents.machine_id to machine_key\n${rename}`);
    expect(badExpand.map((f) => `${where([f])[0]} ${f.fix}`)).toEqual([
      "migrations/0001_step.sql:2 breaks-previous-version an expand must leave the previous shape usable: move this statement to the contract",
    ]);
  });
});

describe("the lint of down files", () => {
  const downFolder = async (files: Record<string, string>) => {
    const folder = await migrationsOf(tables);
    await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(folder, name), text)));
    return folder;
  };

  it("requires the drops-data marker on a down file that loses data, and accepts an irreversible one", async () => {
    const folder = await downFolder({
      "0000_step.down.sql": 'DROP TABLE "agents";\n--> statement-breakpoint\nDROP TABLE "groups";',
      "0001_step.down.sql":
        '-- drops-data: the os_version of every agent\nALTER TABLE "agents" DROP COLUMN "os_version";',
      "0002_step.down.sql": "-- irreversible: the old values were not kept\n",
    });
    expect(where(await lintDownFiles(folder))).toEqual([
      "migrations/0000_step.down.sql:1 drops-data-without-marker",
      "migrations/0000_step.down.sql:3 drops-data-without-marker",
    ]);
  });
});
