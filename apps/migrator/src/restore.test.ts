import { execFile } from "node:child_process";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { clientToolsFor, createTestDatabase, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../test-fixtures/harness";

// Staging refreshes, disaster recovery and dump/restore upgrades copy a database with pg_dump. A
// copy holds the same schema, though PostgreSQL prints some of it differently after the round trip
// (value-set CHECKs): verify must pass on it, and up must go on applying migrations to it.

const sh = promisify(execFile);
// pg_dump dumps servers of its own major version or older; null when this machine has none for the
// test server (e.g. Debian 12's pg_dump 15 and a PostgreSQL 17 server): the copies need one.
const tools = await clientToolsFor(testServerUrl());
const tool = (name: string) => join(tools?.bin ?? "", name);

/** The committed migrations plus one more, as the next release would ship them. */
async function withNextMigration(): Promise<string> {
  const folder = join(await tempDir(), "migrations");
  await cp(migrationsFolder, folder, { recursive: true });
  const journalFile = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalFile, "utf8"));
  const last = journal.entries.at(-1);
  const tag = `${String(last.idx + 1).padStart(4, "0")}_add_groups_note`;
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1_000, tag });
  await writeFile(journalFile, JSON.stringify(journal, null, 2));
  await writeFile(join(folder, `${tag}.sql`), 'ALTER TABLE "groups" ADD COLUMN "note" text;');
  return folder;
}

/** A migrated database holding a little data. */
async function seededOriginal() {
  const original = await createTestDatabase();
  expect((await runCli(["up", "--database-url", original.url])).code).toBe(0);
  const seed = await runCli(["seed", "--force", "--database-url", original.url]);
  expect(seed.code, seed.stderr).toBe(0);
  return original;
}

const rowCounts = (url: string) =>
  withClient(url, async (client) => {
    const { rows } = await client.query(
      "SELECT (SELECT count(*) FROM groups)::int AS groups, (SELECT count(*) FROM reports)::int AS reports",
    );
    return rows[0];
  });

/**
 * Copies a migrated, seeded database through `pipeline` (a shell pipe from $FROM to $TO), then
 * expects the copy to hold the same rows, verify clean, and take the next migration.
 */
async function expectCopyVerifiedAndMigratable(pipeline: string): Promise<void> {
  const original = await seededOriginal();
  const copy = await createTestDatabase();
  await sh("bash", ["-o", "pipefail", "-c", pipeline], { env: { ...process.env, FROM: original.url, TO: copy.url } });
  expect(await rowCounts(copy.url)).toEqual(await rowCounts(original.url));
  const verify = await runCli(["verify", "--database-url", copy.url]);
  expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  const next = await runCli(["up", "--database-url", copy.url, "--migrations-dir", await withNextMigration()]);
  expect(next.code, next.stderr).toBe(0);
  expect(next.stderr).toContain("Applied 1 migration(s)");
}

describe.runIf(tools)(`a copy made with pg_dump ${tools?.major ?? "(none found)"}`, () => {
  it("restored by pg_restore from the custom format verifies clean, and up applies the next migration to it", () =>
    expectCopyVerifiedAndMigratable(
      `"${tool("pg_dump")}" -Fc --dbname="$FROM" | "${tool("pg_restore")}" --exit-on-error --dbname="$TO"`,
    ));

  it("loaded by psql from the plain format verifies clean, and up applies the next migration to it", () =>
    expectCopyVerifiedAndMigratable(
      `"${tool("pg_dump")}" --dbname="$FROM" | "${tool("psql")}" -q -v ON_ERROR_STOP=1 --dbname="$TO" > /dev/null`,
    ));
});
