import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { migrationsFolder, schemaSqlFile } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { migrate, readMigrations, SchemaDriftError, schemaDrift } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import { accessAttacks } from "../../test-fixtures/attacks";
import { testConfig as config } from "../../test-fixtures/harness";
import { createReporter } from "../output";
import { baseline, baselineCommand } from "./baseline";

const quiet = createReporter(true, () => {});
const fixture = (name: string) =>
  readFile(createRequire(import.meta.url).resolve(`@devtools-sync/db/test/fixtures/${name}`), "utf8");
const committed = (await readMigrations(migrationsFolder)).map((migration) => migration.name);
const FIRST = "0000_create_seed_schema";

/** A database made the way teams made it before this migrator: the seed's golang-migrate SQL. */
async function seededDatabase(extra = "") {
  const database = await createTestDatabase();
  await withClient(database.url, async (client) => {
    await client.query(await fixture("seed-schema.sql"));
    await client.query(await fixture("seed-data.sql"));
    if (extra) await client.query(extra);
  });
  return database;
}

const ledgers = (url: string) =>
  withClient(url, async (client) => {
    const present = await client.query("SELECT to_regclass('migrator.applied_migrations') AS t");
    if (present.rows[0].t === null) return null;
    return {
      ours: (await client.query("SELECT name, finished FROM migrator.applied_migrations ORDER BY name")).rows,
      drizzle: (await client.query("SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id")).rows,
    };
  });

describe("migrator baseline", () => {
  it("takes over a database made by the seed's SQL (with data) at 0000, after which up applies the rest", async () => {
    const database = await seededDatabase();
    const result = await baseline(config(database.url), quiet, FIRST);
    expect(result).toEqual({ recorded: [FIRST], ignored: [] });
    const [first] = await readMigrations(migrationsFolder);
    expect(await ledgers(database.url)).toEqual({
      ours: [{ name: FIRST, finished: true }],
      drizzle: [{ hash: first?.hash, created_at: String(first?.createdAt) }],
    });

    const applied = await withClient(database.url, (client) => migrate({ client, folder: migrationsFolder }));
    expect(applied.applied).toEqual(committed.slice(1));
    await withClient(database.url, async (client) => {
      const counts = await client.query(
        "SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM reports)::int AS reports",
      );
      expect(counts.rows[0]).toEqual({ users: 2, reports: 5 });
      expect((await schemaDrift({ client, folder: migrationsFolder })).differences).toEqual([]);
    });

    // A second baseline is refused: the database is managed now.
    const again = await baseline(config(database.url), quiet, FIRST).catch((error: unknown) => error);
    expect(again).toMatchObject({ code: "already-baselined", exitCode: 4 });
    expect((again as Error).message).toContain("migrator up");
  });

  it("refuses, listing every difference, when the schema is not what the migrations up to --to create", async () => {
    const database = await seededDatabase("DROP INDEX idx_users_role;");
    const error = await baseline(config(database.url), quiet, FIRST).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SchemaDriftError);
    expect(error).toMatchObject({
      code: "baseline-mismatch",
      exitCode: 4,
      differences: ["index idx_users_role on users is missing"],
    });
    expect(await ledgers(database.url)).toBeNull();

    // The seed's schema is 0000's, not the final one.
    const later = await baseline(config(database.url), quiet, committed.at(-1)).catch((caught: unknown) => caught);
    expect((later as SchemaDriftError).differences).toContain("index idx_users_role on users is missing");
    expect((later as SchemaDriftError).differences).toContain("function set_updated_at() is missing");

    const lines: string[] = [];
    const code = await baselineCommand.run(
      config(database.url, true),
      createReporter(true, (_, line) => lines.push(line)),
      { to: FIRST },
    );
    expect(code).toBe(4);
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({
      command: "baseline",
      ok: false,
      code: "baseline-mismatch",
      differences: ["index idx_users_role on users is missing"],
    });
    expect(await ledgers(database.url)).toBeNull();
  });

  it("refuses a schema whose privileges, row-level security, policies or triggers differ, naming each", async () => {
    const database = await createTestDatabase();
    const attacks = accessAttacks(decodeURIComponent(new URL(database.url).username));
    await withClient(database.url, async (client) => {
      await client.query(await readFile(schemaSqlFile, "utf8"));
      await client.query(attacks.map((attack) => attack.sql).join(";\n"));
    });
    const error = await baseline(config(database.url), quiet, committed.at(-1)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "baseline-mismatch", exitCode: 4 });
    expect([...(error as SchemaDriftError).differences].sort()).toEqual(
      attacks.map((attack) => attack.difference).sort(),
    );
    expect(await ledgers(database.url)).toBeNull();
  });

  it("leaves golang-migrate's schema_migrations out of the comparison, and refuses while it is dirty", async () => {
    const golang = `CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
      INSERT INTO schema_migrations VALUES (10, false);`;
    const database = await seededDatabase(golang);
    await withClient(database.url, (client) => client.query("UPDATE schema_migrations SET dirty = true"));
    await expect(baseline(config(database.url), quiet, FIRST)).rejects.toMatchObject({
      code: "golang-migrate-dirty",
      exitCode: 4,
    });
    await withClient(database.url, (client) => client.query("UPDATE schema_migrations SET dirty = false"));
    const result = await baseline(config(database.url), quiet, FIRST);
    expect(result.ignored).toEqual(["table schema_migrations (golang-migrate's history)"]);
  });

  it("needs --to naming a migration (exit 2)", async () => {
    const database = await createTestDatabase();
    await expect(baseline(config(database.url), quiet, undefined)).rejects.toMatchObject({ exitCode: 2 });
    await expect(baseline(config(database.url), quiet, "0042_unknown")).rejects.toMatchObject({
      code: "unknown-migration",
      exitCode: 2,
    });
  });
});
