import { readFile } from "node:fs/promises";
import { schemaSqlFile } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { describeSchema, diffSchemas } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import { consolidatedSchema, dumpSchema, SCHEMA_SQL_HEADER } from "./schema-sql";

describe("schema.sql, the consolidated schema", () => {
  it("is what the committed migrations create (else: run pnpm db:refresh and commit schema.sql)", async () => {
    const database = await createTestDatabase();
    const fresh = await withClient(database.url, consolidatedSchema);
    const committed = await readFile(schemaSqlFile, "utf8");
    expect(committed.split("\n").slice(0, SCHEMA_SQL_HEADER.length)).toEqual(SCHEMA_SQL_HEADER);
    expect(committed, "schema.sql is stale: run pnpm db:refresh and commit it").toBe(fresh);
  });

  it("creates a database with exactly the schema the migrations create", async () => {
    const migrated = await createTestDatabase();
    const migratedSchema = await withClient(migrated.url, async (client) => {
      await consolidatedSchema(client);
      return describeSchema(client);
    });
    const loaded = await createTestDatabase();
    const loadedSchema = await withClient(loaded.url, async (client) => {
      await client.query(await readFile(schemaSqlFile, "utf8"));
      return describeSchema(client);
    });
    expect(diffSchemas(migratedSchema, loadedSchema)).toEqual([]);
  });

  it("recreates its roles, row-level security, policies and privileges when loaded", async () => {
    const committed = await readFile(schemaSqlFile, "utf8");
    const loaded = await createTestDatabase();
    const dumped = await withClient(loaded.url, async (client) => {
      await client.query(committed);
      return dumpSchema(client);
    });
    expect(dumped).toBe(committed);
    expect(committed).toContain(`ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;`);
    expect(committed).toContain(`REVOKE EXECUTE ON FUNCTION "purge_audit_log"(timestamp with time zone) FROM PUBLIC;`);
  });

  it("closes what migration 0013 closes when loaded: no temporary tables for PUBLIC, no large objects", async () => {
    const loaded = await createTestDatabase();
    const open = await withClient(loaded.url, async (client) => {
      await client.query(await readFile(schemaSqlFile, "utf8"));
      const { rows } = await client.query(
        `SELECT has_database_privilege('public', current_database(), 'TEMPORARY') AS temporary,
           has_function_privilege('public', 'lo_creat(integer)', 'EXECUTE') AS lo_creat,
           has_function_privilege('public', 'lo_create(oid)', 'EXECUTE') AS lo_create,
           has_function_privilege('public', 'lo_from_bytea(oid, bytea)', 'EXECUTE') AS lo_from_bytea`,
      );
      return rows[0];
    });
    expect(open).toEqual({ temporary: false, lo_creat: false, lo_create: false, lo_from_bytea: false });
  });

  it("lists objects by name, whatever order they were created in", async () => {
    const statements = [
      `CREATE TYPE mood AS ENUM ('sad', 'ok')`,
      `CREATE TABLE b (id serial PRIMARY KEY, m mood, n int GENERATED ALWAYS AS IDENTITY)`,
      `CREATE TABLE a (id int PRIMARY KEY, b_id int REFERENCES b (id), x int CHECK (x > 0), UNIQUE (b_id, x))`,
      `CREATE INDEX a_x_idx ON a (x) WHERE x > 1`,
      `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
      `CREATE TRIGGER a_t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f()`,
      `CREATE TRIGGER b_t BEFORE UPDATE ON b FOR EACH ROW EXECUTE FUNCTION f()`,
      `ALTER TABLE a ENABLE ROW LEVEL SECURITY`,
      `CREATE POLICY a_positive ON a USING (x > 0)`,
      `REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC`,
      `GRANT SELECT (x, id) ON a TO PUBLIC`,
    ];
    const dump = async (order: string[]) => {
      const database = await createTestDatabase();
      return withClient(database.url, async (client) => {
        for (const statement of order) await client.query(statement);
        return dumpSchema(client);
      });
    };
    const forwards = await dump(statements);
    const shuffled = [
      statements[0],
      statements[4],
      statements[1],
      statements[2],
      statements[6],
      statements[5],
      statements[3],
      statements[10],
      statements[9],
      statements[8],
      statements[7],
    ];
    expect(await dump(shuffled as string[])).toBe(forwards);
    expect(forwards).toContain(`CREATE POLICY "a_positive" ON "a" AS PERMISSIVE FOR ALL TO PUBLIC USING ((x > 0));`);
    expect(forwards).toContain(`REVOKE EXECUTE ON FUNCTION "f"() FROM PUBLIC;`);
    expect(forwards).toContain(`GRANT SELECT ("id", "x") ON TABLE "a" TO PUBLIC;`);
    // And what it prints recreates the same schema.
    const again = await createTestDatabase();
    const reloaded = await withClient(again.url, async (client) => {
      await client.query(forwards);
      return dumpSchema(client);
    });
    expect(reloaded).toBe(forwards);
  });
});
