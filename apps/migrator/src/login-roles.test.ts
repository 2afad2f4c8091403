import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonLines, runCli, tempDir } from "../test-fixtures/harness";

const dir = await tempDir();
const suffix = randomBytes(4).toString("hex");
const app = `svc_${suffix}`;
const reporting = `rep_${suffix}`;
const password = `role-pw-${randomBytes(9).toString("hex")}`;
const passwordFile = join(dir, "app-password");
await writeFile(passwordFile, `${password}\n`);

const database = await createTestDatabase();
afterAll(() =>
  withClient(database.url, async (client) => {
    for (const role of [app, reporting]) await client.query(`DROP ROLE IF EXISTS "${role}"`);
  }),
);

const urlAs = (user: string, secret: string) => {
  const url = new URL(database.url);
  url.username = user;
  url.password = secret;
  return url.toString();
};

describe("migrator up and the login roles", () => {
  it("makes the named roles members of their group roles, with the password from the file, and never prints it", async () => {
    const run = await runCli(["up", "--json", "--database-url", database.url, "--admin-role", ""], {
      APP_ROLE: app,
      APP_ROLE_PASSWORD_FILE: passwordFile,
      READONLY_ROLE: reporting,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(parseJsonLines(run.stdout).find((event) => event.type === "result")).toMatchObject({
      loginRoles: [
        { name: app, memberOf: "devtools_sync_app", password: "set" },
        { name: reporting, memberOf: "devtools_sync_readonly", password: "unchanged" },
      ],
    });
    expect(run.stdout + run.stderr).not.toContain(password);
    const seen = await withClient(urlAs(app, password), (client) =>
      client.query("SELECT current_user AS me, (SELECT count(*)::int FROM agents) AS agents"),
    );
    expect(seen.rows[0]).toEqual({ me: app, agents: 0 });
    await expect(
      withClient(urlAs(app, password), (client) => client.query("CREATE TABLE stolen (id int)")),
    ).rejects.toThrow(/permission denied for schema public/);
  });

  it("is idempotent: a second run changes no role", async () => {
    const run = await runCli(["up", "--database-url", database.url, "--app-role", app, "--readonly-role", reporting]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `nothing to apply. Login roles: ${app} (devtools_sync_app), ${reporting} (devtools_sync_readonly), devtools_sync_operator (devtools_sync_admin).`,
    );
  });

  it.each([
    [["--app-role", "Robert'); DROP TABLE users;--"], {}, /--app-role must be a lowercase role name/],
    [["--app-role", "devtools_sync_app"], {}, /devtools_sync_app is a group role/],
    [[], { APP_ROLE_PASSWORD_FILE: join(dir, "missing") }, /APP_ROLE_PASSWORD_FILE .*missing cannot be read/],
  ])("refuses %j %j in one line", async (args, env, message) => {
    const run = await runCli(["up", "--database-url", database.url, ...args], env);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(message)]);
  });
});
