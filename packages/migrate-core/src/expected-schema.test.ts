import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { schemaDrift, withScratchDatabase } from "./expected-schema";
import { migrate } from "./migrate";
import { type FixtureMigration, writeMigrationsFolder } from "./testing";

// schemaDrift judges what a schema means, not how PostgreSQL happens to print it, and it covers
// what access control depends on: owners, privileges, row-level security, policies, triggers.

async function folderOf(migrations: FixtureMigration[]): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "migrate-core-drift-"));
  afterAll(() => rm(folder, { recursive: true, force: true }));
  return writeMigrationsFolder(folder, migrations);
}

/** A database the migrations of `folder` made. */
async function migrated(folder: string) {
  const database = await createTestDatabase();
  databases.push(database.url);
  await withClient(database.url, (client) => migrate({ client, folder }));
  return database;
}

const drift = (url: string, folder: string) =>
  withClient(url, async (client) => (await schemaDrift({ client, folder })).differences);

// A role of this file's own (roles are cluster-wide), dropped with what it holds in each database.
const reader = `drift_reader_${randomBytes(4).toString("hex")}`;
const databases: string[] = [];
await withClient(testServerUrl(), (client) => client.query(`CREATE ROLE ${reader} NOLOGIN`));
afterAll(async () => {
  for (const url of databases)
    await withClient(url, (client) =>
      client.query(`REASSIGN OWNED BY ${reader} TO CURRENT_USER; DROP OWNED BY ${reader}`),
    );
  await withClient(testServerUrl(), (client) => client.query(`DROP ROLE ${reader}`));
});

// Value sets on varchar columns are what PostgreSQL prints in a form that parses back differently.
const devices: FixtureMigration = {
  tag: "0000_devices",
  sql: `CREATE TABLE devices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform varchar(10) NOT NULL DEFAULT 'linux' CHECK (platform IN ('linux', 'darwin', 'win32')),
    status varchar(10) NOT NULL DEFAULT 'active',
    label text GENERATED ALWAYS AS (CASE WHEN status IN ('active', 'idle') THEN 'up' ELSE 'down' END) STORED
  );
  CREATE INDEX devices_live_idx ON devices (platform) WHERE status IN ('active', 'idle');
  CREATE FUNCTION devices_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$;
  CREATE TRIGGER devices_touch BEFORE UPDATE ON devices FOR EACH ROW
    WHEN (NEW.status IN ('active', 'idle')) EXECUTE FUNCTION devices_touch();
  ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
  CREATE POLICY devices_live ON devices USING (status IN ('active', 'idle')) WITH CHECK (platform IN ('linux', 'darwin'));
  CREATE SEQUENCE serials;
  GRANT SELECT ON devices TO ${reader};
  GRANT USAGE ON SEQUENCE serials TO ${reader};`,
};

/** Re-creates every definition of `devices` from its printed text, as restoring a pg_dump does. */
async function recreateFromPrintedText(url: string): Promise<void> {
  await withClient(url, async (client) => {
    const printed = async (sql: string) => (await client.query(sql)).rows[0].text as string;
    const check = await printed(
      "SELECT pg_get_constraintdef(oid) AS text FROM pg_constraint WHERE conname = 'devices_platform_check'",
    );
    const index = await printed("SELECT pg_get_indexdef('devices_live_idx'::regclass) AS text");
    const trigger = await printed(
      "SELECT pg_get_triggerdef(oid) AS text FROM pg_trigger WHERE tgname = 'devices_touch'",
    );
    const using = await printed(
      "SELECT pg_get_expr(polqual, polrelid) AS text FROM pg_policy WHERE polname = 'devices_live'",
    );
    const withCheck = await printed(
      "SELECT pg_get_expr(polwithcheck, polrelid) AS text FROM pg_policy WHERE polname = 'devices_live'",
    );
    await client.query(`ALTER TABLE devices DROP CONSTRAINT devices_platform_check;
      ALTER TABLE devices ADD CONSTRAINT devices_platform_check ${check};
      DROP INDEX devices_live_idx; ${index};
      DROP TRIGGER devices_touch ON devices; ${trigger};
      DROP POLICY devices_live ON devices;
      CREATE POLICY devices_live ON devices USING (${using}) WITH CHECK (${withCheck});`);
  });
}

describe("schemaDrift", () => {
  it("finds no drift in a copy whose definitions were re-created from their printed text, as a pg_dump restore makes them", async () => {
    const folder = await folderOf([devices]);
    const copy = await migrated(folder);
    await recreateFromPrintedText(copy.url);
    const printedBack = await withClient(copy.url, async (client) => {
      const { rows } = await client.query(
        "SELECT pg_get_constraintdef(oid) AS text FROM pg_constraint WHERE conname = 'devices_platform_check'",
      );
      return rows[0].text;
    });
    // The copy's text is not the original's: only its meaning is the same.
    expect(printedBack).toContain("ARRAY[('linux'::character varying)::text");
    expect(await drift(copy.url, folder)).toEqual([]);
  });

  it("still reports a definition that means something else", async () => {
    const folder = await folderOf([devices]);
    const changed = await migrated(folder);
    await withClient(changed.url, (client) =>
      client.query(`ALTER TABLE devices DROP CONSTRAINT devices_platform_check;
        ALTER TABLE devices ADD CONSTRAINT devices_platform_check CHECK (platform IN ('linux', 'darwin', 'beos'));
        ALTER POLICY devices_live ON devices USING (status IN ('active'));`),
    );
    const differences = await drift(changed.url, folder);
    expect(differences).toHaveLength(2);
    expect(differences[0]).toMatch(
      /^constraint devices_platform_check on devices is ".*'beos'.*", expected ".*'win32'.*"$/,
    );
    expect(differences[1]).toMatch(/^policy devices_live on devices: USING is \(.*\), expected \(.*'idle'.*\)$/);
  });

  it("reports sequence privileges, column privileges, disabled triggers, forced row-level security and owners, one line each", async () => {
    const folder = await folderOf([devices]);
    const attacked = await migrated(folder);
    await withClient(attacked.url, (client) =>
      client.query(`GRANT UPDATE ON SEQUENCE serials TO PUBLIC;
        REVOKE USAGE ON SEQUENCE serials FROM ${reader};
        GRANT UPDATE (status) ON devices TO ${reader};
        GRANT SELECT ON devices TO ${reader} WITH GRANT OPTION;
        ALTER TABLE devices DISABLE TRIGGER devices_touch;
        ALTER TABLE devices FORCE ROW LEVEL SECURITY;
        ALTER FUNCTION devices_touch() OWNER TO ${reader};`),
    );
    const owner = await withClient(
      attacked.url,
      async (client) => (await client.query("SELECT current_user AS me")).rows[0].me,
    );
    expect((await drift(attacked.url, folder)).sort()).toEqual(
      [
        "privilege UPDATE on sequence serials to PUBLIC is extra",
        `privilege USAGE on sequence serials to ${reader} is missing`,
        `privilege UPDATE on column devices.status to ${reader} is extra`,
        `privilege SELECT on table devices to ${reader}: is grantable, expected not grantable`,
        "trigger devices_touch on devices is disabled, expected enabled",
        "table devices: row-level security is forced, expected enabled",
        `function devices_touch(): owner is ${reader}, expected ${owner}`,
      ].sort(),
    );
  });

  it("judges ownership the migrations set, and a grant to the owner, by role name", async () => {
    const folder = await folderOf([
      { tag: "0000_owned", sql: `CREATE TABLE notes (id int); ALTER TABLE notes OWNER TO ${reader};` },
    ]);
    const database = await migrated(folder);
    expect(await drift(database.url, folder)).toEqual([]);
    await withClient(database.url, (client) => client.query("ALTER TABLE notes OWNER TO CURRENT_USER"));
    const differences = await drift(database.url, folder);
    expect(differences[0]).toMatch(new RegExp(`^table notes: owner is \\w+, expected ${reader}$`));
  });

  it("compares the NOT NULL constraints PostgreSQL 18 names itself by column, not by the name it picked", async () => {
    // The CHECK holds the name PostgreSQL 18 would give the NOT NULL constraint, so it picks
    // `pairs_b_not_null1`; a database made by CREATE TABLE ... NOT NULL gets `pairs_b_not_null`.
    const folder = await folderOf([
      {
        tag: "0000_pairs",
        sql: `CREATE TABLE pairs (a int, b int);
          ALTER TABLE pairs ADD CONSTRAINT pairs_b_not_null CHECK (b IS NOT NULL) NOT VALID;
          ALTER TABLE pairs ALTER COLUMN b SET NOT NULL;
          ALTER TABLE pairs DROP CONSTRAINT pairs_b_not_null;`,
      },
    ]);
    const made = await createTestDatabase();
    await withClient(made.url, (client) => client.query("CREATE TABLE pairs (a int, b int NOT NULL)"));
    expect(
      await withClient(
        made.url,
        async (client) => (await schemaDrift({ client, folder, to: "0000_pairs" })).differences,
      ),
    ).toEqual([]);
  });
});

describe("withScratchDatabase", () => {
  it("drops its scratch database once a session it may not end leaves it, instead of failing and leaving it behind", async () => {
    // A role that may create databases but not end a superuser's session, as a migrating role is.
    const role = `scratch_${randomBytes(4).toString("hex")}`;
    const password = randomBytes(8).toString("hex");
    await withClient(testServerUrl(), (client) =>
      client.query(`CREATE ROLE ${role} LOGIN CREATEDB PASSWORD '${password}'`),
    );
    const url = new URL(testServerUrl());
    url.username = role;
    url.password = password;
    let name = "";
    try {
      await withClient(url.toString(), (client) =>
        withScratchDatabase(client, async (scratch) => {
          name = scratch.database as string;
          // Another session in it (say an autovacuum worker, or a monitoring superuser) that leaves a second later.
          const other = new URL(testServerUrl());
          other.pathname = `/${name}`;
          const visitor = new pg.Client({ connectionString: other.toString() });
          await visitor.connect();
          setTimeout(() => void visitor.end(), 1000);
        }),
      );
      const { rowCount } = await withClient(testServerUrl(), (client) =>
        client.query("SELECT FROM pg_database WHERE datname = $1", [name]),
      );
      expect(rowCount).toBe(0);
    } finally {
      await withClient(testServerUrl(), async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.query(`DROP ROLE ${role}`);
      });
    }
  });
});
