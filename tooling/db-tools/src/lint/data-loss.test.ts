import { splitStatements } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import { dataLossFindings } from "./data-loss";

const lint = (text: string) => dataLossFindings("migrations/0005_x.sql", text, splitStatements(text));
const flagged = (text: string) => lint(text).map(({ line, rule }) => `${line} ${rule}`);

describe("data-losing statements", () => {
  it.each([
    ["DROP TABLE", 'DROP TABLE "reports";'],
    ["DROP COLUMN", 'ALTER TABLE "agents" DROP COLUMN "last_sync";'],
    ["DROP without COLUMN", "ALTER TABLE agents DROP last_sync;"],
    ["DROP COLUMN as a later action", 'ALTER TABLE "agents" ADD COLUMN "x" text, DROP COLUMN IF EXISTS "y";'],
    ["TRUNCATE", "TRUNCATE audit_log;"],
    ["DELETE", "DELETE FROM blocklist WHERE is_active = false;"],
  ])("%s without a marker is a finding that says what is lost and how to mark it", (_, sql) => {
    const [finding] = lint(`SELECT 1;\n${sql}`);
    expect(finding).toMatchObject({ file: "migrations/0005_x.sql", line: 2, rule: "drops-data-without-marker" });
    expect(finding?.risk).toMatch(/deletes|removes/);
    expect(finding?.fix).toContain("-- drops-data: <what is lost>");
  });

  it("accepts the marker directly above the statement, or in the file's opening comments", () => {
    expect(flagged("-- drops-data: the retired sync timestamps\nALTER TABLE agents DROP COLUMN last_sync;")).toEqual(
      [],
    );
    expect(
      flagged("-- Retire old data.\n-- drops-data: reports older than 2020\n\nDELETE FROM reports;\nTRUNCATE x;"),
    ).toEqual([]);
  });

  it("needs the marker to say what is lost, and to sit above the statement it excuses", () => {
    expect(flagged("-- drops-data:\nDROP TABLE a;")).toEqual(["2 drops-data-without-marker"]);
    expect(flagged("SELECT 1;\n-- drops-data: table a\nSELECT 2;\nDROP TABLE a;")).toEqual([
      "4 drops-data-without-marker",
    ]);
  });

  it("leaves statements that keep the data alone", () => {
    const safe = [
      'ALTER TABLE "agents" DROP CONSTRAINT "agents_status_not_null";',
      'ALTER TABLE "agents" ALTER COLUMN "status" DROP DEFAULT;',
      'ALTER TABLE "agents" ALTER COLUMN "status" DROP NOT NULL;',
      'DROP INDEX CONCURRENTLY IF EXISTS "idx_users_email";',
      "UPDATE agents SET status = DEFAULT WHERE status IS NULL;",
      "CREATE TABLE drop_table_log (id int);",
    ];
    expect(flagged(safe.join("\n"))).toEqual([]);
  });
});
