import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, versionSchemaName } from "./client";

describe("createDb's schemaVersion", () => {
  it("puts the expand's version schema first on every connection's search_path", async () => {
    const database = await createTestDatabase();
    const db = createDb(database.url, { schemaVersion: "0013_rename_agents_hostname_expand", max: 2 });
    try {
      const { rows } = await db.execute<{ search_path: string }>(sql`SHOW search_path`);
      expect(rows[0]?.search_path).toBe("v_0013_rename_agents_hostname_expand,public");
    } finally {
      await db.$client.end();
    }
  });

  it("refuses a value that is not an expand migration's tag, naming it", () => {
    expect(() => versionSchemaName("x; DROP TABLE users")).toThrow(
      'schemaVersion must be the tag of an expand migration (NNNN_name, lower case), got "x; DROP TABLE users"',
    );
  });
});
