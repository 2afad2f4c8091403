import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { withClient } from "@devtools-sync/local-postgres/testing";
import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { lines, PATIENCE_MS, runCli, tempDir } from "../../test-fixtures/harness";

const dir = await tempDir();
const password = `first-admin-${randomBytes(9).toString("hex")}`;
const passwordFile = join(dir, "admin-password");
await writeFile(passwordFile, `${password}\n`);

const { url } = await createMigratedTestDatabase(migrationsFolder);

const usersWith = (email: string) =>
  withClient(url, async (client) => (await client.query("SELECT * FROM users WHERE email = $1", [email])).rows);
const createAdmin = (...args: string[]) => runCli(["create-admin", "--database-url", url, ...args]);

// A bound on a shared, busy machine (bcrypt is slow on purpose), not a claim about speed.
describe("migrator create-admin", { timeout: PATIENCE_MS }, () => {
  it("creates an active admin whose password is stored only as a bcrypt hash, and a second run changes nothing", async () => {
    const email = "first.admin@example.org";
    const first = await createAdmin("--email", email, "--password-file", passwordFile);
    expect(first.code, first.stderr).toBe(0);
    const [row] = await usersWith(email);
    expect(row).toMatchObject({ role: "admin", is_active: true, deleted_at: null });
    expect(row.password_hash).toMatch(/^\$2[ab]\$12\$/);
    expect(await bcrypt.compare(password, row.password_hash)).toBe(true);
    expect(JSON.stringify(row)).not.toContain(password);
    expect(first.stdout + first.stderr).not.toContain(password);

    const second = await createAdmin("--email", email, "--password-file", passwordFile);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("already exists with this password; nothing changed");
    expect(await usersWith(email)).toEqual([row]);
  });

  it("refuses, changing nothing, an existing user it would have to change", async () => {
    const email = "taken@example.org";
    await createAdmin("--email", email, "--password-file", passwordFile);
    const before = await usersWith(email);
    const otherFile = join(dir, "other-password");
    await writeFile(otherFile, "another-password-of-12+");
    const run = await createAdmin("--email", email, "--password-file", otherFile);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(
        /^Error: User taken@example.org already exists on .+, an administrator with another password;/,
      ),
    ]);
    expect(await usersWith(email)).toEqual(before);
  });

  it("takes an address already there in another case for the same user: one account per address whatever its case", async () => {
    const email = "Case.Admin@example.org";
    expect((await createAdmin("--email", email, "--password-file", passwordFile)).code).toBe(0);
    const before = await usersWith(email);
    const again = await createAdmin("--email", email.toLowerCase(), "--password-file", passwordFile);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("already exists with this password; nothing changed");
    expect(await usersWith(email)).toEqual(before);
    expect(await usersWith(email.toLowerCase())).toEqual([]);
  });

  it.each([
    [["--email", "cli@example.org", "--password", "secret-on-the-command-line"], /takes no --password/],
    [["--email", "cli@example.org", "--password-file", join("/nonexistent", "file")], /Cannot read --password-file/],
    [["--password-file", passwordFile], /needs --email/],
    [["--email", "not-an-address", "--password-file", passwordFile], /--email not-an-address must be an e-mail/],
  ])("refuses %j in one line with exit 2, writing nothing", async (args, message) => {
    const run = await createAdmin(...args);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(message)]);
    expect(run.stderr).not.toContain("secret-on-the-command-line");
    expect(await usersWith("cli@example.org")).toEqual([]);
  });

  it("refuses a password bcrypt would cut short, or one shorter than the API accepts", async () => {
    for (const [text, message] of [
      ["x".repeat(73), /longer than bcrypt's 72 bytes/],
      ["short", /at least 12 characters/],
    ] as const) {
      const file = join(dir, `password-${text.length}`);
      await writeFile(file, text);
      const run = await createAdmin("--email", "weak@example.org", "--password-file", file);
      expect(run.code).toBe(2);
      expect(lines(run.stderr)).toEqual([expect.stringMatching(message)]);
    }
    expect(await usersWith("weak@example.org")).toEqual([]);
  });
});
