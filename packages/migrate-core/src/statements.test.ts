import { describe, expect, it } from "vitest";
import { splitStatements } from "./statements";

describe("splitting a migration into statements", () => {
  it("gives each statement its first and last line and the comment lines directly above it", () => {
    const text = [
      "-- header",
      "CREATE TABLE a (",
      "  id int",
      ");",
      "--> statement-breakpoint",
      "-- why",
      "-- and more",
      "DROP TABLE b;",
    ].join("\n");
    expect(splitStatements(text)).toEqual([
      { sql: "CREATE TABLE a ( id int )", startLine: 2, endLine: 4, comments: ["header"] },
      { sql: "DROP TABLE b", startLine: 8, endLine: 8, comments: ["why", "and more"] },
    ]);
  });

  it("keeps semicolons inside strings, quoted names, dollar-quoted bodies and block comments", () => {
    const text = [
      `INSERT INTO "a;b" VALUES ('x;''y');`,
      "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$",
      "BEGIN NEW.x := 1; RETURN NEW; END;",
      "$$;",
      "/* a; comment */ SELECT 1;",
    ].join("\n");
    expect(splitStatements(text).map(({ sql, startLine }) => [startLine, sql])).toEqual([
      [1, `INSERT INTO "a;b" VALUES ('x;''y')`],
      [2, "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.x := 1; RETURN NEW; END; $$"],
      [5, "SELECT 1"],
    ]);
  });

  it("finds no statement in a file of comments", () => {
    expect(splitStatements("-- irreversible: the data is gone\n")).toEqual([]);
  });
});
