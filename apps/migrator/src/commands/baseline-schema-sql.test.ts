import { readFile } from "node:fs/promises";
import { migrationsFolder, schemaSqlFile } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { readMigrations } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test-fixtures/harness";

const history = await readMigrations(migrationsFolder);
const last = history.at(-1)?.name as string;

describe("a new environment made from packages/db/schema.sql", () => {
  it("is taken over by migrator baseline at the last migration, after which verify and status agree", async () => {
    const database = await createTestDatabase();
    await withClient(database.url, async (client) => client.query(await readFile(schemaSqlFile, "utf8")));
    const target = ["--database-url", database.url, "--migrations-dir", migrationsFolder];

    const baseline = await runCli(["baseline", "--to", last, ...target]);
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(baseline.stderr).toContain(`Recorded ${history.length} migration(s) as applied, through ${last}`);
    const verify = await runCli(["verify", ...target]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const status = await runCli(["status", ...target]);
    expect(status.code, status.stdout).toBe(0);
    expect((await runCli(["up", ...target])).code).toBe(0);
  });
});
