import { randomBytes } from "node:crypto";
import { withClient } from "@devtools-sync/local-postgres/testing";
import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { migrationsFolder } from "./migrations";
import { ensureLoginRole, scramVerifier } from "./roles";

const database = await createMigratedTestDatabase(migrationsFolder);
const name = `login_${randomBytes(4).toString("hex")}`;
afterAll(() => withClient(database.url, (client) => client.query(`DROP ROLE IF EXISTS "${name}"`)));

const urlAs = (user: string, password: string) => {
  const url = new URL(database.url);
  url.username = user;
  url.password = password;
  return url.toString();
};

const memberships = () =>
  withClient(database.url, async (client) => {
    const { rows } = await client.query(
      `SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
       WHERE r.rolname = $1 ORDER BY 1`,
      [name],
    );
    return rows.map((row) => row.rolname);
  });

describe("ensureLoginRole", () => {
  it("creates the role once when many ensure it at the same instant (roles are cluster-wide)", async () => {
    await Promise.all(
      Array.from({ length: 6 }, () =>
        withClient(database.url, (client) => ensureLoginRole(client, { name, kind: "app" })),
      ),
    );
    expect(await memberships()).toEqual(["devtools_sync_app"]);
  });

  it("sets a password PostgreSQL accepts at login, sent only as a SCRAM verifier", async () => {
    const password = `pw ${randomBytes(8).toString("hex")} é`;
    await withClient(database.url, (client) => ensureLoginRole(client, { name, kind: "app", password }));
    const whoami = await withClient(urlAs(name, password), (client) => client.query("SELECT current_user AS me"));
    expect(whoami.rows[0].me).toBe(name);
    await expect(withClient(urlAs(name, "wrong"), (client) => client.query("SELECT 1"))).rejects.toThrow(
      /password authentication failed/,
    );
  });

  it("moves a role to another group role, dropping the old membership", async () => {
    await withClient(database.url, (client) => ensureLoginRole(client, { name, kind: "readonly" }));
    expect(await memberships()).toEqual(["devtools_sync_readonly"]);
  });

  it("refuses to make a group role log in", async () => {
    await expect(
      withClient(database.url, (client) => ensureLoginRole(client, { name: "devtools_sync_admin", kind: "admin" })),
    ).rejects.toThrow(/devtools_sync_admin is a group role/);
  });
});

describe("scramVerifier", () => {
  it("is PostgreSQL's SCRAM-SHA-256 format and never contains the password", () => {
    const verifier = scramVerifier("correct horse");
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(verifier).not.toContain("correct horse");
    expect(scramVerifier("correct horse")).not.toBe(verifier); // a fresh salt each time
  });
});
