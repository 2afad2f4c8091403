import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseMigration, readMigrations } from "./journal";
import { fixtureFolder, refusal } from "./testing";

describe("parseMigration", () => {
  it("splits drizzle-kit's statement breakpoints and keeps each statement's text", () => {
    const migration = parseMigration(
      3,
      "0003_users",
      1_700_000_000_000,
      'CREATE TABLE "users" ("id" int);\n--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "email" text;\n',
    );
    expect(migration).toMatchObject({
      index: 3,
      name: "0003_users",
      createdAt: 1_700_000_000_000,
      transactional: true,
    });
    expect(migration.statements).toEqual([
      'CREATE TABLE "users" ("id" int);',
      'ALTER TABLE "users" ADD COLUMN "email" text;',
    ]);
  });

  it("drops chunks that are only comments or blank, and keeps comments attached to a statement", () => {
    const migration = parseMigration(
      0,
      "0000_x",
      1,
      "-- header comment\n--> statement-breakpoint\n\n--> statement-breakpoint\n-- why\nSELECT 1;\n--> statement-breakpoint\n",
    );
    expect(migration.statements).toEqual(["-- why\nSELECT 1;"]);
  });

  it("hashes the file's exact text as drizzle-orm does (sha256 hex)", () => {
    const a = parseMigration(0, "a", 1, "SELECT 1;");
    expect(a.hash).toBe(createHash("sha256").update("SELECT 1;").digest("hex"));
    expect(parseMigration(0, "a", 1, "SELECT 1; ").hash).not.toBe(a.hash);
  });

  it("runs a migration statement by statement, outside a transaction, when a statement uses CONCURRENTLY", () => {
    const concurrent = parseMigration(
      0,
      "0000_idx",
      1,
      'CREATE TABLE t (a int);\n--> statement-breakpoint\ncreate index concurrently "t_a_idx" on t (a);',
    );
    expect(concurrent.transactional).toBe(false);
    expect(parseMigration(0, "d", 1, "DROP INDEX CONCURRENTLY IF EXISTS t_a_idx;").transactional).toBe(false);
  });

  it("is not fooled by CONCURRENTLY in a comment or inside a longer word", () => {
    expect(
      parseMigration(0, "c", 1, "-- not CREATE INDEX CONCURRENTLY: it would lock\nCREATE INDEX t_a ON t (a);")
        .transactional,
    ).toBe(true);
    expect(parseMigration(0, "w", 1, "CREATE TABLE concurrently_seen (a int);").transactional).toBe(true);
    expect(parseMigration(0, "b", 1, "/* no CONCURRENTLY: small table */\nDROP INDEX t_a;").transactional).toBe(true);
  });

  it("sees CONCURRENTLY after a quoted name holding `--`, which is no comment", () => {
    const detach = 'ALTER TABLE "events--2026" DETACH PARTITION "events_old" CONCURRENTLY;';
    expect(parseMigration(0, "d", 1, detach).transactional).toBe(false);
  });

  it("reads a down file's first-line marker: irreversible and the generator's template refuse, drops-data names the loss", () => {
    const down = (text: string) => parseMigration(0, "0000_x", 1, "SELECT 1;", text).down;
    expect(down("DROP INDEX CONCURRENTLY x_idx;")).toMatchObject({
      statements: ["DROP INDEX CONCURRENTLY x_idx;"],
      transactional: false,
      refusal: null,
      dropsData: null,
    });
    expect(down("-- drops-data: table x\nDROP TABLE x;")).toMatchObject({ refusal: null, dropsData: "table x" });
    expect(down("-- irreversible: rows were merged\n")).toMatchObject({
      statements: [],
      refusal: { kind: "irreversible", reason: "rows were merged" },
    });
    expect(down("-- todo-down: write it\n")?.refusal?.kind).toBe("unwritten");
    // A marker counts only on the first line, where the generator and the conventions put it.
    expect(down("-- undoes x\n-- irreversible: no\nSELECT 1;")?.refusal).toBeNull();
    expect(parseMigration(0, "0000_x", 1, "SELECT 1;").down).toBeNull();
  });
});

describe("expand/contract markers", () => {
  const phase = (text: string) => parseMigration(0, "0001_x", 1, text).phase;

  it("reads an expand with its backfill tables from the comment lines before the first statement, in any order", () => {
    expect(
      phase(
        "-- backfill: agents\n-- expand: rename agents.hostname to host_name\n\n-- backfill: public.reports\nALTER TABLE agents ADD COLUMN host_name text;",
      ),
    ).toEqual({ kind: "expand", backfill: ["agents", "public.reports"] });
    expect(phase("-- expand: add the shadow column\n--> statement-breakpoint\nSELECT 1;")).toEqual({
      kind: "expand",
      backfill: [],
    });
  });

  it("reads a contract and the expand it completes", () => {
    expect(phase("-- contract: 0001_expand\nALTER TABLE agents DROP COLUMN hostname;")).toEqual({
      kind: "contract",
      expand: "0001_expand",
    });
  });

  it("counts a marker only before the first statement; an ordinary migration has no phase", () => {
    expect(phase("SELECT 1;\n-- contract: 0001_expand\nSELECT 2;")).toBeNull();
    expect(phase("-- why this migration exists\nCREATE TABLE t (id int);")).toBeNull();
  });

  it("refuses marker lines that contradict each other, in one line naming the file", async () => {
    const problems = [
      "-- expand: x\n-- contract: 0000_a\nSELECT 1;",
      "-- backfill: agents\nSELECT 1;",
      "-- contract: 0000_a\n-- backfill: agents\nSELECT 1;",
      "-- contract:\nSELECT 1;",
      "-- expand:\nSELECT 1;",
      '-- expand: x\n-- backfill: "agents"; DROP TABLE x\nSELECT 1;',
    ];
    for (const text of problems) {
      const error = await refusal(() => phase(text));
      expect(error.code).toBe("bad-phase-marker");
      expect(error.exitCode).toBe(4);
      expect(error.message).toMatch(/^Migration 0001_x: .*0001_x\.sql\.$/);
      expect(error.message).not.toContain("\n");
    }
  });

  it("refuses a contract whose tag is not an earlier expand of the journal", async () => {
    const expand = { tag: "0000_expand", sql: "-- expand: add b\nSELECT 1;" };
    const contract = { tag: "0002_contract", sql: "-- contract: 0000_expand\nSELECT 2;" };
    const plain = { tag: "0001_plain", sql: "SELECT 3;" };
    const read = async (...migrations: (typeof expand)[]) => readMigrations(await fixtureFolder(migrations));

    expect((await read(expand, plain, contract)).map((migration) => migration.phase?.kind ?? null)).toEqual([
      "expand",
      null,
      "contract",
    ]);
    const unknown = await refusal(() => read(plain, { ...contract, sql: "-- contract: 0009_nothing\nSELECT 2;" }));
    expect(unknown.message).toMatch(/no earlier migration is named 0009_nothing/);
    const notExpand = await refusal(() => read(plain, { ...contract, sql: "-- contract: 0001_plain\nSELECT 2;" }));
    expect(notExpand.message).toMatch(/0001_plain is not an expand/);
    const later = await refusal(() =>
      read({ tag: "0000_contract", sql: "-- contract: 0001_expand\nSELECT 2;" }, { ...expand, tag: "0001_expand" }),
    );
    expect(later.message).toMatch(/no earlier migration is named 0001_expand/);
  });
});
