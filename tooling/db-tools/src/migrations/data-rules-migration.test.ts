import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { migrate } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";

// The data rules (add_data_rules_not_valid, validate_data_rules, add_unique_email_and_blocklist_pattern) on databases that already hold rows breaking them: each migration
// names the rows and stops, and goes through once they are cleaned up.

const BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZRGdjGj/n3.QWHKjNC.5RILXPnZGW";
const GROUP = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa";
const ids = (n: number) =>
  `${String(n).repeat(8)}-${String(n).repeat(4)}-4${String(n).repeat(3)}-8000-${String(n).repeat(12)}`;

/** The tag of the migration named `name` (its number comes from landing order) and of the one before it. */
async function tagsAround(name: string): Promise<{ tag: string; before: string }> {
  const journal = JSON.parse(await readFile(join(migrationsFolder, "meta", "_journal.json"), "utf8"));
  const tags: string[] = journal.entries.map((entry: { tag: string }) => entry.tag);
  const index = tags.findIndex((tag) => tag.endsWith(`_${name}`));
  return { tag: tags[index] as string, before: tags[index - 1] as string };
}

async function databaseBefore(name: string) {
  const { before } = await tagsAround(name);
  const database = await createTestDatabase();
  await withClient(database.url, (client) => migrate({ client, folder: migrationsFolder, to: before }));
  return database;
}

const run = (url: string, text: string) => withClient(url, (client) => client.query(text));
const migrateAll = (url: string) => withClient(url, (client) => migrate({ client, folder: migrationsFolder }));
const indexes = (url: string) =>
  run(
    url,
    "SELECT indexname FROM pg_indexes WHERE indexname IN ('users_email_lower_key', 'blocklist_pattern_type_pattern_key') ORDER BY 1",
  ).then(({ rows }) => rows.map((row) => row.indexname));

describe("validate_data_rules", () => {
  it("names the users and extensions that break a rule, keeps nothing of the step, and goes through once they are fixed", async () => {
    const database = await databaseBefore("add_data_rules_not_valid");
    await run(
      database.url,
      `INSERT INTO users (id, email, password_hash, display_name) VALUES
         ('${ids(1)}', 'not an address', '${BCRYPT}', 'Ada'),
         ('${ids(2)}', 'grace@example.com', '${BCRYPT}', '  '),
         ('${ids(3)}', 'fine@example.com', '${BCRYPT}', 'Fine');
       INSERT INTO extensions (id, extension_id, name, publisher) VALUES ('${ids(4)}', 'python', 'Python', 'Microsoft')`,
    );
    const { tag } = await tagsAround("validate_data_rules");
    await expect(migrateAll(database.url)).rejects.toThrow(
      new RegExp(
        `rows break the data rules: extensions_extension_id_check \\(extensions rows, first 20 ids: ${ids(4)}\\); ` +
          `users_display_name_check \\(users rows, first 20 ids: ${ids(2)}\\); users_email_check \\(users rows, first 20 ids: ${ids(1)}\\).*Fix or delete those rows`,
      ),
    );
    const { rows } = await run(database.url, "SELECT count(*)::int AS n FROM pg_constraint WHERE convalidated = false");
    expect(rows[0].n).toBeGreaterThan(0);

    await run(
      database.url,
      `UPDATE users SET email = 'ada@example.com' WHERE id = '${ids(1)}';
       UPDATE users SET display_name = NULL WHERE id = '${ids(2)}';
       UPDATE extensions SET extension_id = 'ms-python.python' WHERE id = '${ids(4)}'`,
    );
    expect((await migrateAll(database.url)).applied).toContain(tag);
  });

  it("refuses a group-scoped row that breaks a rule through VALIDATE, naming the constraint", async () => {
    const database = await databaseBefore("add_data_rules_not_valid");
    await run(database.url, `INSERT INTO groups (id, name, settings) VALUES ('${GROUP}', 'G', '[]')`);
    await expect(migrateAll(database.url)).rejects.toThrow(/groups_settings_check.*groups.*violated by some row/);
  });
});

describe("add_unique_email_and_blocklist_pattern", () => {
  it("names e-mail addresses shared in different case and repeated blocklist patterns, builds nothing, and goes through once they are gone", async () => {
    const database = await databaseBefore("add_unique_email_and_blocklist_pattern");
    await run(
      database.url,
      `INSERT INTO users (id, email, password_hash) VALUES
         ('${ids(1)}', 'ada@example.com', '${BCRYPT}'), ('${ids(2)}', 'Ada@Example.com', '${BCRYPT}'),
         ('${ids(3)}', 'grace@example.com', '${BCRYPT}')`,
    );
    await expect(migrateAll(database.url)).rejects.toThrow(
      new RegExp(`users.email must be unique regardless of case; .*: \\(${ids(1)}, ${ids(2)}\\).*Merge or delete`),
    );
    expect(await indexes(database.url)).toEqual([]);

    await run(
      database.url,
      `DELETE FROM users WHERE id = '${ids(2)}';
       INSERT INTO blocklist (id, pattern_type, pattern) VALUES
         ('${ids(4)}', 'publisher', 'evil-corp'), ('${ids(5)}', 'publisher', 'evil-corp'), ('${ids(6)}', 'exact', 'evil-corp.x')`,
    );
    await expect(migrateAll(database.url)).rejects.toThrow(
      new RegExp(
        `blocklist \\(pattern_type, pattern\\) must be unique; .*: publisher 'evil-corp' \\(${ids(4)}, ${ids(5)}\\)`,
      ),
    );
    expect(await indexes(database.url)).toEqual([]);

    await run(database.url, `DELETE FROM blocklist WHERE id = '${ids(5)}'`);
    const { tag } = await tagsAround("add_unique_email_and_blocklist_pattern");
    expect((await migrateAll(database.url)).applied).toContain(tag);
    expect(await indexes(database.url)).toEqual(["blocklist_pattern_type_pattern_key", "users_email_lower_key"]);
  });
});
