import { describe, expect, it } from "vitest";
import { classifyMigration, classifyStatement } from "./classify";

// Statements as drizzle-kit 0.31 writes them, and as this repository's custom migrations do.
describe("classifyStatement", () => {
  it.each([
    ['CREATE TABLE "widgets" ("id" uuid PRIMARY KEY)', "adds a table the previous version does not use"],
    [
      'ALTER TABLE "agents" ADD COLUMN "note" text',
      "adds a column the previous version can ignore (nullable or defaulted)",
    ],
    [
      `ALTER TABLE "agents" ADD COLUMN "tier" text DEFAULT 'free' NOT NULL`,
      "adds a column the previous version can ignore (nullable or defaulted)",
    ],
    [
      'CREATE INDEX CONCURRENTLY "a_idx" ON "agents" USING btree ("note")',
      "adds an index; reads and writes of the previous version are unchanged",
    ],
    [
      'ALTER TABLE "agents" ALTER COLUMN "note" DROP NOT NULL',
      "relaxes a column; the previous version's queries still succeed",
    ],
    [
      'ALTER TABLE "agents" VALIDATE CONSTRAINT "agents_note_check"',
      "validates, relaxes or re-owns; the previous version's queries still succeed",
    ],
    [
      'GRANT SELECT ON "agents" TO "devtools_sync_readonly"',
      "creates or grants; nothing the previous version uses changes",
    ],
  ])("%s: compatible", (sql, reason) => {
    expect(classifyStatement(sql)).toMatchObject({ verdict: "compatible", reason });
  });

  it.each([
    ['ALTER TABLE "agents" RENAME COLUMN "hostname" TO "host_name"', "rename-column", "agents", "hostname"],
    ['ALTER TABLE "agents" RENAME TO "machines"', "rename-table", "agents", undefined],
    ['ALTER TABLE "agents" ALTER COLUMN "uptime" SET DATA TYPE bigint', "change-type", "agents", "uptime"],
    ['ALTER TABLE "public"."agents" ALTER COLUMN "status" SET NOT NULL', "set-not-null", "agents", "status"],
    ['ALTER TABLE "agents" DROP COLUMN "legacy_token"', "drop-column", "agents", "legacy_token"],
    ['ALTER TABLE "agents" ADD COLUMN "tier" text NOT NULL', "add-required-column", "agents", "tier"],
    [`ALTER TABLE "agents" ADD CONSTRAINT "c" CHECK ("status" <> 'x') NOT VALID`, "add-check", "agents", undefined],
    [
      'ALTER TABLE "agents" ADD CONSTRAINT "agents_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id")',
      "add-foreign-key",
      "agents",
      undefined,
    ],
    ['ALTER TABLE "agents" ADD CONSTRAINT "agents_serial_unique" UNIQUE("serial")', "add-unique", "agents", undefined],
    ['ALTER TABLE "agents" ADD PRIMARY KEY ("id")', "add-constraint", "agents", undefined],
    ['ALTER TABLE "agents" ALTER COLUMN "slots" SET DEFAULT 4', "change-default", "agents", "slots"],
    ['ALTER TABLE "agents" ALTER COLUMN "status" DROP DEFAULT', "drop-default", "agents", "status"],
    ['CREATE UNIQUE INDEX CONCURRENTLY "u" ON "agents" ("machine_id")', "add-unique-index", "agents", undefined],
    ['DROP TABLE "blocklist" CASCADE', "drop-table", "blocklist", undefined],
    ['REVOKE INSERT ON "users" FROM "devtools_sync_app"', "revoke", undefined, undefined],
    ["DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$", "unrecognised", undefined, undefined],
    ["CLUSTER agents", "unrecognised", undefined, undefined],
  ])("%s: breaking (%s)", (sql, kind, table, column) => {
    expect(classifyStatement(sql)).toMatchObject({ verdict: "breaking", kind, table, column });
  });

  it("judges an ALTER TABLE by its worst action, not splitting inside parentheses or quotes", () => {
    const sql = `ALTER TABLE "agents" ADD COLUMN "note" text DEFAULT '1,5', ALTER COLUMN "price" SET DATA TYPE numeric(10, 2)`;
    expect(classifyStatement(sql)).toMatchObject({ verdict: "breaking", kind: "change-type" });
  });

  it("counts changes to a table the same migration creates as compatible", () => {
    const verdicts = classifyMigration([
      'CREATE TABLE "widgets" ("id" uuid PRIMARY KEY, "label" text)',
      'ALTER TABLE "widgets" ALTER COLUMN "label" SET NOT NULL',
      'ALTER TABLE "agents" ALTER COLUMN "status" SET NOT NULL',
    ]);
    expect(verdicts.map((verdict) => verdict.verdict)).toEqual(["compatible", "compatible", "breaking"]);
  });

  it("counts a foreign key or unique rule on a column the same migration adds without a default as compatible, not a CHECK nor one on an older or defaulted column", () => {
    const verdicts = classifyMigration([
      'ALTER TABLE "agents" ADD COLUMN "group_id" uuid',
      'ALTER TABLE "agents" ADD COLUMN "code" text DEFAULT \'x\'',
      'ALTER TABLE "agents" ADD CONSTRAINT "agents_code_unique" UNIQUE("code")',
      'ALTER TABLE "agents" ADD CONSTRAINT "agents_group_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE no action ON UPDATE no action',
      'ALTER TABLE "agents" ADD CONSTRAINT "agents_group_id_check" CHECK ("agents"."group_id" <> "agents"."id")',
      'CREATE UNIQUE INDEX "agents_group_id_idx" ON "agents" USING btree ("group_id")',
      'ALTER TABLE "agents" ADD CONSTRAINT "agents_owner_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id")',
    ]);
    expect(verdicts.map((verdict) => verdict.verdict)).toEqual([
      "compatible",
      "compatible",
      "breaking",
      "compatible",
      "breaking",
      "compatible",
      "breaking",
    ]);
  });
});
