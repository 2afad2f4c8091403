import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { withClient } from "@devtools-sync/local-postgres/testing";
import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, type RunnerTask } from "vitest";
import { createApiKey, createDb, type Database, findApiKey, hashApiKey, type Transaction, withGroup } from "./client";
import { migrationsFolder } from "./migrations";
import { complianceSummary, upsertReportBatch } from "./queries";
import { ensureLoginRole, type RoleKind } from "./roles";

// Attacks on the database as the services' roles would make them, on a migrated database:
// each case is a statement a bug or a stolen credential could run, and each must be refused
// (an error, or no row seen or touched). A few legitimate operations alongside show that the
// roles can still do their work.

const database = await createMigratedTestDatabase(migrationsFolder);
const suffix = randomBytes(4).toString("hex");
const password = `pw-${randomBytes(12).toString("hex")}`;

const A = "aaaaaaaa-0000-4000-8000-00000000000a";
const B = "bbbbbbbb-0000-4000-8000-00000000000b";
const ids = (group: string, n: number) =>
  `${group === "a" ? "aaaaaaaa" : "bbbbbbbb"}-000${n}-4000-8000-00000000000${group}`;
const EXTENSION = "eeeeeeee-0000-4000-8000-00000000000e";
const USER = "cccccccc-0000-4000-8000-00000000000c";
const BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZRGdjGj/n3.QWHKjNC.5RILXPnZGW";

const groupOf = (g: "a" | "b") => (g === "a" ? A : B);

/**
 * Every group-scoped table, one row per group (named by its `key` column), and how to insert one
 * more for a group. The compliance state's rows are written by the triggers as the seed is: each
 * group's one report is at another version than the pinned one, one violation per group.
 */
const tables = [
  { table: "groups", groupColumn: "id", key: "id", row: groupOf },
  { table: "agents", groupColumn: "group_id", key: "id", row: (g: "a" | "b") => ids(g, 1) },
  { table: "api_keys", groupColumn: "group_id", key: "id", row: (g: "a" | "b") => ids(g, 2) },
  { table: "group_extensions", groupColumn: "group_id", key: "id", row: (g: "a" | "b") => ids(g, 3) },
  { table: "reports", groupColumn: "group_id", key: "id", row: (g: "a" | "b") => ids(g, 4) },
  { table: "audit_log", groupColumn: "group_id", key: "id", row: (g: "a" | "b") => ids(g, 5) },
  { table: "compliance_violations", groupColumn: "group_id", key: "group_id", row: groupOf },
  { table: "compliance_extensions", groupColumn: "group_id", key: "group_id", row: groupOf },
  { table: "compliance_groups", groupColumn: "group_id", key: "group_id", row: groupOf },
] as const;

/** An INSERT of a fresh row of `table` into `group` (the agent it needs is that group's). */
function insertInto(table: string, group: string, agent: string): string {
  const id = `'${crypto.randomUUID()}'`;
  switch (table) {
    case "groups":
      return `INSERT INTO groups (id, name) VALUES ('${group}', 'x${randomBytes(4).toString("hex")}')`;
    case "agents":
      return `INSERT INTO agents (id, group_id, machine_id, user_hash, platform) VALUES (${id}, '${group}', 'm${randomBytes(4).toString("hex")}', '${hashApiKey("u")}', 'linux')`;
    case "api_keys":
      return `INSERT INTO api_keys (id, group_id, key_hash, key_prefix) VALUES (${id}, '${group}', '${hashApiKey(randomBytes(8).toString("hex"))}', 'abcdefgh')`;
    case "group_extensions":
      return `INSERT INTO group_extensions (id, group_id, extension_id) VALUES (${id}, '${group}', '${EXTENSION}')`;
    case "reports":
      return `INSERT INTO reports (id, agent_id, group_id, extension_id, user_hash, installed) VALUES (${id}, '${agent}', '${group}', 'x.y${randomBytes(4).toString("hex")}', '${hashApiKey("u")}', true)`;
    case "compliance_violations":
      return `INSERT INTO compliance_violations (group_id, extension_id, problem, machine_id, user_hash, agent_id) VALUES ('${group}', 'x.y', 'blocked', 'm${randomBytes(4).toString("hex")}', '${hashApiKey("u")}', '${agent}')`;
    case "compliance_extensions":
      return `INSERT INTO compliance_extensions (group_id, extension_id) VALUES ('${group}', 'x.y${randomBytes(4).toString("hex")}')`;
    case "compliance_groups":
      return `INSERT INTO compliance_groups (group_id) VALUES ('${group}')`;
    default:
      return `INSERT INTO audit_log (id, event_type, actor_type, group_id) VALUES (${id}, 'test.event', 'system', '${group}')`;
  }
}

const superuser = (text: string) => withClient(database.url, (client) => client.query(text));

// Both groups' rows, written as the owner (the migration's role).
await superuser(`
  INSERT INTO groups (id, name) VALUES ('${A}', 'Group A'), ('${B}', 'Group B');
  INSERT INTO users (id, email, password_hash) VALUES ('${USER}', 'ada@example.com', '${BCRYPT}');
  INSERT INTO blocklist (pattern_type, pattern) VALUES ('publisher', 'evil-corp');
  INSERT INTO extensions (id, extension_id, name, publisher, pinned_version) VALUES ('${EXTENSION}', 'ms-python.python', 'Python', 'Microsoft', '1.0.0');
  ${["a", "b"]
    .map((g) => {
      const group = g === "a" ? A : B;
      return `
        INSERT INTO agents (id, group_id, machine_id, user_hash, platform) VALUES ('${ids(g, 1)}', '${group}', 'machine-${g}', '${hashApiKey(g)}', 'linux');
        INSERT INTO api_keys (id, group_id, key_hash, key_prefix, created_by) VALUES ('${ids(g, 2)}', '${group}', '${hashApiKey(`key-${g}`)}', 'key-${g}xxx', '${USER}');
        INSERT INTO group_extensions (id, group_id, extension_id, added_by) VALUES ('${ids(g, 3)}', '${group}', '${EXTENSION}', '${USER}');
        INSERT INTO reports (id, agent_id, group_id, extension_id, user_hash, installed) VALUES ('${ids(g, 4)}', '${ids(g, 1)}', '${group}', 'ms-python.python', '${hashApiKey(g)}', true);
        INSERT INTO audit_log (id, event_type, actor_type, group_id) VALUES ('${ids(g, 5)}', 'test.event', 'system', '${group}');`;
    })
    .join("\n")}
`);

const logins: Partial<Record<RoleKind | "own", string>> = {};
const dbs: Database[] = [];

/** A pool logged in as a fresh login role that is a member of the `kind` group role. */
async function login(kind: RoleKind): Promise<Database> {
  const name = `test_${kind}_${suffix}`;
  await withClient(database.url, (client) => ensureLoginRole(client, { name, kind, password }));
  logins[kind] = name;
  return connectAs(name, 2);
}

function connectAs(name: string, max: number): Database {
  const url = new URL(database.url);
  url.username = name;
  url.password = password;
  const db = createDb(url.toString(), { max });
  dbs.push(db);
  return db;
}

let app: Database;
let readonly: Database;
let admin: Database;

beforeAll(async () => {
  app = await login("app");
  readonly = await login("readonly");
  admin = await login("admin");
});

afterAll(async () => {
  for (const db of dbs) await db.$client.end();
  await withClient(database.url, async (client) => {
    for (const name of Object.values(logins)) await client.query(`DROP ROLE IF EXISTS "${name}"`);
  });
});

/** The SQLSTATE an attempt failed with, or "ok" with its row count when it did not fail. */
async function attempt(run: () => Promise<{ rowCount?: number | null; rows?: unknown[] }>): Promise<string> {
  try {
    const result = await run();
    return `ok:${result.rowCount ?? result.rows?.length ?? 0}`;
  } catch (error) {
    const { code, cause } = error as { code?: string; cause?: { code?: string } };
    return code ?? cause?.code ?? String(error);
  }
}

/** Runs `text` as `db` in a transaction bound to `group`. */
const inGroup = (db: Database, group: string, text: string) =>
  attempt(() => withGroup(db, group, (tx) => tx.execute(sql.raw(text))));

/** Runs `text` as `db` with no group bound. */
const unbound = (db: Database, text: string) => attempt(() => db.$client.query(text));

const RLS_REFUSED = "42501"; // new row violates row-level security policy / permission denied
const CHECK_REFUSED = "23514";

/** Group B's rows of `table`, as the owner sees them. */
async function rowsOfB(table: string, groupColumn: string): Promise<string> {
  const { rows } = await superuser(`SELECT * FROM ${table} WHERE ${groupColumn} = '${B}' ORDER BY 1`);
  return JSON.stringify(rows);
}

describe.each(tables)("$table, as the application role bound to group A", ({ table, groupColumn, key, row }) => {
  const bRow = row("b");
  let before: string;
  beforeAll(async () => {
    before = await rowsOfB(table, groupColumn);
  });

  it("cannot see group B's rows", async () => {
    expect(await inGroup(app, A, `SELECT * FROM ${table}`)).toBe("ok:1");
    expect(await inGroup(app, A, `SELECT * FROM ${table} WHERE ${key} = '${bRow}'`)).toBe("ok:0");
    expect(await inGroup(app, A, `SELECT * FROM ${table} WHERE ${groupColumn} = '${B}'`)).toBe("ok:0");
  });

  it("cannot insert a row into group B, with or without RETURNING", async () => {
    expect(await inGroup(app, A, insertInto(table, B, row("b")))).toBe(RLS_REFUSED);
    expect(await inGroup(app, A, `${insertInto(table, B, ids("b", 1))} RETURNING *`)).toBe(RLS_REFUSED);
  });

  // The application role holds no UPDATE or DELETE on audit_log or the compliance state at all.
  const updates = table !== "audit_log" && !table.startsWith("compliance_");

  it("cannot update group B's rows, nor move its own row into group B", async () => {
    const none = updates ? "ok:0" : RLS_REFUSED;
    expect(await inGroup(app, A, `UPDATE ${table} SET ${groupColumn} = ${groupColumn} WHERE ${key} = '${bRow}'`)).toBe(
      none,
    );
    expect(await inGroup(app, A, `UPDATE ${table} SET ${groupColumn} = ${groupColumn} RETURNING *`)).toMatch(
      updates ? /^ok:1$/ : RLS_REFUSED,
    );
    if (table !== "groups") {
      expect(await inGroup(app, A, `UPDATE ${table} SET group_id = '${B}' WHERE ${key} = '${row("a")}'`)).toBe(
        RLS_REFUSED,
      );
    }
  });

  // Deleting a group, an audit entry or compliance state is no service's business: the app role holds no DELETE on them.
  const deletes = updates && table !== "groups";

  it("cannot delete group B's rows, with or without RETURNING", async () => {
    const none = deletes ? "ok:0" : RLS_REFUSED;
    expect(await inGroup(app, A, `DELETE FROM ${table} WHERE ${key} = '${bRow}'`)).toBe(none);
    expect(await inGroup(app, A, `DELETE FROM ${table} WHERE ${groupColumn} = '${B}' RETURNING *`)).toBe(none);
  });

  it("cannot see or write anything with no group bound", async () => {
    expect(await unbound(app, `SELECT * FROM ${table}`)).toBe("ok:0");
    expect(await unbound(app, insertInto(table, A, ids("a", 1)))).toBe(RLS_REFUSED);
    expect(await unbound(app, `UPDATE ${table} SET ${groupColumn} = ${groupColumn}`)).toMatch(
      updates ? /^ok:0$/ : RLS_REFUSED,
    );
    expect(await unbound(app, `DELETE FROM ${table}`)).toBe(deletes ? "ok:0" : RLS_REFUSED);
  });

  it("cannot be read by the read-only role outside its bound group, nor written", async () => {
    expect(await inGroup(readonly, A, `SELECT * FROM ${table}`)).toBe("ok:1");
    expect(await unbound(readonly, `SELECT * FROM ${table}`)).toBe("ok:0");
    expect(await inGroup(readonly, A, insertInto(table, A, ids("a", 1)))).toBe(RLS_REFUSED);
    expect(await inGroup(readonly, A, `DELETE FROM ${table}`)).toBe(RLS_REFUSED);
  });

  it("is seen whole, both groups, by the admin role only", async () => {
    expect(await unbound(admin, `SELECT * FROM ${table} WHERE ${groupColumn} IN ('${A}', '${B}')`)).toBe("ok:2");
  });

  it("left every row of group B as it was", async () => {
    expect(await rowsOfB(table, groupColumn)).toBe(before);
  });
});

describe("group A through joins, subqueries and references", () => {
  it("cannot see group B's side of a join", async () => {
    expect(
      await inGroup(
        app,
        A,
        `SELECT r.id FROM reports r JOIN agents a ON a.id = r.agent_id JOIN groups g ON g.id = a.group_id
         WHERE g.id = '${B}' OR a.id = '${ids("b", 1)}'`,
      ),
    ).toBe("ok:0");
    expect(
      await inGroup(
        app,
        A,
        `SELECT * FROM agents a RIGHT JOIN (VALUES ('${ids("b", 1)}'::uuid)) v(id) ON a.id = v.id WHERE a.id IS NOT NULL`,
      ),
    ).toBe("ok:0");
    expect(
      await inGroup(
        app,
        A,
        `SELECT (SELECT count(*) FROM audit_log WHERE group_id = '${B}') AS n HAVING (SELECT count(*) FROM audit_log WHERE group_id = '${B}') > 0`,
      ),
    ).toBe("ok:0");
  });

  it("cannot reach group B's rows through UPDATE ... FROM, DELETE ... USING, writable CTEs or INSERT ... SELECT", async () => {
    const statements = [
      `UPDATE agents SET display_name = 'x' FROM groups WHERE agents.group_id = groups.id AND groups.id = '${B}'`,
      `DELETE FROM reports USING agents WHERE reports.agent_id = agents.id AND agents.group_id = '${B}'`,
      `WITH changed AS (UPDATE reports SET installed = false WHERE group_id = '${B}' RETURNING *) SELECT * FROM changed`,
      `WITH gone AS (DELETE FROM group_extensions WHERE group_id = '${B}' RETURNING *) SELECT * FROM gone`,
      `INSERT INTO audit_log (event_type, actor_type, group_id, details)
         SELECT 'copy.event', 'system', '${A}', to_jsonb(a) FROM agents a WHERE a.group_id = '${B}' RETURNING *`,
    ];
    for (const statement of statements) expect(await inGroup(app, A, statement), statement).toBe("ok:0");
  });

  it("cannot take over group B's key through INSERT ... ON CONFLICT DO UPDATE", async () => {
    expect(
      await inGroup(
        app,
        A,
        `INSERT INTO api_keys (group_id, key_hash, key_prefix) VALUES ('${A}', '${hashApiKey("key-b")}', 'stolenxx')
         ON CONFLICT (key_hash) DO UPDATE SET group_id = '${A}' RETURNING *`,
      ),
    ).toBe(RLS_REFUSED);
  });

  it("cannot file a report in group A under group B's agent", async () => {
    expect(await inGroup(app, A, insertInto("reports", A, ids("b", 1)))).toBe(RLS_REFUSED);
    expect(await inGroup(app, A, `UPDATE reports SET agent_id = '${ids("b", 1)}' WHERE id = '${ids("a", 4)}'`)).toBe(
      RLS_REFUSED,
    );
  });

  it("cannot reach group B by rebinding the group inside the transaction as anything but a UUID", async () => {
    expect(
      await inGroup(app, A, "SELECT set_config('devtools_sync.group_id', 'not-a-uuid', true); SELECT * FROM agents"),
    ).toBe("22P02");
  });

  it("cannot read group B through COPY, nor write through COPY ... FROM, which row-level security refuses", async () => {
    expect(await inGroup(app, A, "COPY (SELECT * FROM agents) TO STDOUT")).toBe("ok:1");
    expect(await inGroup(app, A, `COPY (SELECT * FROM reports WHERE group_id = '${B}') TO STDOUT`)).toBe("ok:0");
    expect(await inGroup(app, A, "COPY agents TO STDOUT")).toBe("ok:1"); // run as a SELECT under the policy
    expect(await inGroup(app, A, "COPY agents FROM STDIN")).toBe("0A000");
  });

  it("cannot list other groups' ids: not through the tables, nor through the planner's statistics", async () => {
    await superuser("ANALYZE");
    const counted = await superuser("SELECT * FROM pg_stats WHERE tablename = 'agents' AND attname = 'group_id'");
    expect(counted.rowCount).toBe(1); // there, for whoever may see it
    for (const db of [app, readonly]) {
      const ids = await withGroup(db, A, (tx) =>
        tx.execute<{ id: string }>(
          sql.raw(`SELECT id FROM groups UNION SELECT group_id FROM agents UNION SELECT group_id FROM api_keys
                   UNION SELECT group_id FROM reports UNION SELECT group_id FROM audit_log`),
        ),
      );
      expect(ids.rows.map((row) => row.id)).toEqual([A]);
      const scoped = tables.map(({ table }) => `'${table}'`).join(", ");
      expect(await inGroup(db, A, `SELECT * FROM pg_stats WHERE tablename IN (${scoped})`)).toBe("ok:0");
    }
  });

  it("cannot turn row-level security off, nor become the admin role", async () => {
    expect(await unbound(app, "SET row_security = off; SELECT * FROM agents")).toBe(RLS_REFUSED);
    expect(await unbound(app, "SET ROLE devtools_sync_admin")).toBe(RLS_REFUSED);
    expect(await unbound(app, "SET SESSION AUTHORIZATION postgres")).toBe(RLS_REFUSED);
  });
});

describe("the global tables and whole groups, which every group depends on", () => {
  /** What other groups hold that a write to a global table could reach: B's rows naming the extension or the user. */
  const dependents = () =>
    superuser(`SELECT (SELECT count(*) FROM group_extensions WHERE group_id = '${B}' AND extension_id = '${EXTENSION}' AND added_by = '${USER}')::int AS extensions,
                      (SELECT count(*) FROM api_keys WHERE group_id = '${B}' AND created_by = '${USER}')::int AS keys,
                      (SELECT count(*) FROM blocklist)::int AS blocklist,
                      (SELECT count(*) FROM extensions WHERE is_blocked)::int AS blocked`).then(({ rows }) => rows[0]);

  it.each([
    [
      "deleting an extension, which cascades to group B's group_extensions",
      `DELETE FROM extensions WHERE id = '${EXTENSION}'`,
    ],
    ["deleting a user, which unlinks group B's keys and extensions", `DELETE FROM users WHERE id = '${USER}'`],
    ["blocking an extension for every group", "UPDATE extensions SET is_blocked = true"],
    [
      "adding to the catalogue",
      `INSERT INTO extensions (extension_id, name, publisher) VALUES ('evil.ext', 'Evil', 'evil')`,
    ],
    ["deleting blocklist entries every group's compliance reads", "DELETE FROM blocklist"],
    ["adding a blocklist entry", `INSERT INTO blocklist (pattern_type, pattern) VALUES ('regex', '.*')`],
    ["creating a user", `INSERT INTO users (email, password_hash) VALUES ('eve@example.com', '${BCRYPT}')`],
    ["taking over a user's password", `UPDATE users SET password_hash = '${BCRYPT}', role = 'admin'`],
    ["hard-deleting its own group", `DELETE FROM groups WHERE id = '${A}'`],
    ["creating a group", `INSERT INTO groups (id, name) VALUES ('${crypto.randomUUID()}', 'Mine')`],
  ])("refuses the application role %s, bound to group A or to none", async (_, statement) => {
    const before = await dependents();
    expect(await inGroup(app, A, statement)).toBe(RLS_REFUSED);
    expect(await unbound(app, statement)).toBe(RLS_REFUSED);
    expect(await dependents()).toEqual(before);
  });

  it("lets the application role read them, record a sign-in and update its own group", async () => {
    expect(await unbound(app, "SELECT * FROM extensions")).toBe("ok:1");
    expect(await unbound(app, "SELECT * FROM blocklist")).toBe("ok:1");
    expect(await unbound(app, `SELECT id, password_hash FROM users WHERE email = 'ada@example.com'`)).toBe("ok:1");
    expect(await unbound(app, `UPDATE users SET last_login_at = now() WHERE id = '${USER}'`)).toBe("ok:1");
    expect(await inGroup(app, A, `UPDATE groups SET description = 'ours' WHERE id = '${A}'`)).toBe("ok:1");
  });

  it("leaves those writes to the admin role", async () => {
    expect(await unbound(admin, "UPDATE extensions SET is_blocked = false")).toBe("ok:1");
    expect(await unbound(admin, "UPDATE blocklist SET is_active = true")).toBe("ok:1");
    expect(await unbound(admin, `UPDATE users SET display_name = 'Ada' WHERE id = '${USER}'`)).toBe("ok:1");
  });
});

describe("the application role and the schema", () => {
  it.each([
    "CREATE TABLE stolen (id int)",
    "CREATE TABLE public.stolen (id int)",
    "CREATE SCHEMA stolen",
    "ALTER TABLE agents ADD COLUMN note text",
    "ALTER TABLE agents DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "DROP POLICY agents_own_group ON agents",
    "DROP TABLE reports",
    "CREATE INDEX stolen ON agents (display_name)",
    "TRUNCATE reports",
    "TRUNCATE audit_log",
    "CREATE FUNCTION stolen() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE VIEW stolen AS SELECT * FROM agents",
    "CREATE TEMP VIEW stolen AS SELECT * FROM agents",
    "GRANT devtools_sync_admin TO CURRENT_USER",
    "CREATE ROLE stolen",
    "SELECT * FROM migrator.applied_migrations",
    "SELECT * FROM drizzle.__drizzle_migrations",
    "SELECT purge_audit_log(now())",
  ])("refuses %s", async (statement) => {
    expect(await unbound(app, statement)).toBe(RLS_REFUSED);
    expect(await inGroup(app, A, statement)).toBe(RLS_REFUSED);
  });

  it.each([
    ["the application role", () => app],
    ["the read-only role", () => readonly],
  ])("refuses %s temporary tables and large objects, which outlive the transaction", async (_, as) => {
    for (const statement of [
      "CREATE TEMP TABLE copied AS SELECT * FROM agents",
      "SELECT lo_creat(-1)",
      "SELECT lo_create(0)",
      "SELECT lo_from_bytea(0, 'copied')",
    ]) {
      expect(await unbound(as(), statement), statement).toBe(RLS_REFUSED);
      expect(await inGroup(as(), A, statement), statement).toBe(RLS_REFUSED);
    }
  });

  it("refuses the read-only role a password hash", async () => {
    expect(await unbound(readonly, "SELECT password_hash FROM users")).toBe(RLS_REFUSED);
    expect(await unbound(readonly, "SELECT email FROM users")).toBe("ok:1");
  });

  it("tables created by later migrations are granted as the existing ones", async () => {
    await superuser("CREATE TABLE later_table (id int)");
    expect(await unbound(app, "INSERT INTO later_table VALUES (1)")).toBe("ok:1");
    expect(await unbound(readonly, "SELECT * FROM later_table")).toBe("ok:1");
    expect(await unbound(readonly, "INSERT INTO later_table VALUES (2)")).toBe(RLS_REFUSED);
    expect(await unbound(app, "DROP TABLE later_table")).toBe(RLS_REFUSED);
    await superuser("DROP TABLE later_table");
  });
});

describe("the audit trail", () => {
  it("takes new entries from the application role and shows them to it", async () => {
    expect(await inGroup(app, A, `${insertInto("audit_log", A, "")} RETURNING id`)).toBe("ok:1");
  });

  it.each([
    ["the application role", () => app],
    ["the admin role", () => admin],
  ])("refuses UPDATE and DELETE by %s, even of its own group's entries", async (_, as) => {
    expect(await inGroup(as(), A, `UPDATE audit_log SET event_type = 'rewritten' WHERE id = '${ids("a", 5)}'`)).toBe(
      RLS_REFUSED,
    );
    expect(await inGroup(as(), A, `DELETE FROM audit_log WHERE id = '${ids("a", 5)}'`)).toBe(RLS_REFUSED);
  });

  it.each([
    ["the application role", () => app],
    ["the admin role", () => admin],
  ])(
    "refuses %s an entry dated by the writer, in the past or the future: the database sets created_at",
    async (_, as) => {
      for (const when of ["2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z"]) {
        const stamped = await withGroup(as(), A, (tx) =>
          tx.execute(
            sql.raw(`INSERT INTO audit_log (event_type, actor_type, group_id, created_at)
                   VALUES ('dated.by.writer', 'system', '${A}', '${when}') RETURNING created_at = now() AS now`),
          ),
        );
        expect(stamped.rows, when).toEqual([{ now: true }]);
      }
    },
  );

  it("refuses UPDATE, DELETE and TRUNCATE by the owner and superusers too (the trigger)", async () => {
    for (const statement of [
      `UPDATE audit_log SET event_type = 'rewritten'`,
      "DELETE FROM audit_log",
      "TRUNCATE audit_log",
      `SELECT set_config('devtools_sync.group_id', '${A}', true); DELETE FROM audit_log`,
    ]) {
      await expect(superuser(statement), statement).rejects.toThrow(/audit_log is append-only/);
    }
  });

  it("refuses a forged purge record from another transaction", async () => {
    await superuser(
      `INSERT INTO audit_log (event_type, actor_type, details) VALUES ('audit_log.purged', 'system', '{"before": "2999-01-01", "transaction": "1"}')`,
    );
    await expect(superuser("DELETE FROM audit_log")).rejects.toThrow(/append-only/);
  });

  /** An audit_log.purged entry naming this transaction and a cutoff far ahead, then a DELETE of everything. */
  const forgedPurge = `
    INSERT INTO audit_log (event_type, actor_type, details)
      VALUES ('audit_log.purged', 'system', jsonb_build_object('before', '2999-01-01', 'transaction', pg_current_xact_id()::text));
    DELETE FROM audit_log`;

  it("refuses a purge forged in the same transaction, by the admin role and by a superuser", async () => {
    expect(await unbound(admin, forgedPurge)).toBe(RLS_REFUSED);
    await expect(superuser(forgedPurge)).rejects.toThrow(/append-only/);
    expect(await entriesOf(A)).toBeGreaterThan(0);
  });

  it.each([
    ["the admin role", (text: string) => unbound(admin, text)],
    ["a superuser", (text: string) => attempt(() => superuser(text))],
  ])("refuses %s a purge read from a TEMP table that shadows audit_log or audit_log_purges", async (_, run) => {
    // search_path puts pg_temp first unless a function fixes it: a shadow table was read instead of the real one.
    for (const shadow of ["audit_log", "audit_log_purges"]) {
      const hijack = `
        CREATE TEMP TABLE ${shadow} (event_type text, group_id uuid, details jsonb, transaction_id bigint, cutoff timestamptz);
        INSERT INTO pg_temp.${shadow} VALUES ('audit_log.purged', NULL,
          jsonb_build_object('before', '2999-01-01', 'transaction', pg_current_xact_id()::text),
          pg_current_xact_id()::text::bigint, '2999-01-01');
        DELETE FROM public.audit_log`;
      expect(await run(hijack), shadow).toMatch(/^(42501|P0001|error: audit_log is append-only.*)$/);
    }
    expect(await entriesOf(A)).toBeGreaterThan(0);
  });

  it("lets the admin role purge old entries only through purge_audit_log, which records the purge for good", async () => {
    // An old entry: only a role that may switch triggers off (as pg_restore loads a backup) dates one.
    await superuser(
      `BEGIN; SET LOCAL session_replication_role = replica;
       INSERT INTO audit_log (event_type, actor_type, group_id, created_at) VALUES ('old.event', 'system', '${A}', now() - interval '400 days');
       COMMIT`,
    );
    expect(await unbound(admin, "SELECT purge_audit_log(now() + interval '1 day')")).toBe("P0001");
    // Not even right after a purge, in its own transaction, may the admin role delete by itself.
    expect(
      await unbound(
        admin,
        "SELECT purge_audit_log(now() - interval '500 days'); DELETE FROM audit_log WHERE created_at < now() - interval '365 days'",
      ),
    ).toBe(RLS_REFUSED);
    const { rows } = await admin.$client.query("SELECT purge_audit_log(now() - interval '365 days') AS removed");
    expect(rows[0].removed).toBe("1");
    expect(await unbound(admin, "SELECT * FROM audit_log WHERE event_type = 'old.event'")).toBe("ok:0");
    expect(await entriesOf(A)).toBeGreaterThan(0); // newer than the cutoff: kept
    expect(await purgeRecords()).toEqual([{ by: logins.admin, cutoff_in_past: true }]);
  });

  it("cannot erase the record of a purge, by a later purge or by changing or removing it", async () => {
    await admin.$client.query("SELECT purge_audit_log(now() - interval '10 days')");
    await admin.$client.query("SELECT purge_audit_log(now())");
    expect(await purgeRecords()).toHaveLength(3);
    for (const statement of [
      "UPDATE audit_log_purges SET cutoff = now()",
      "DELETE FROM audit_log_purges",
      "TRUNCATE audit_log_purges",
    ]) {
      await expect(superuser(statement), statement).rejects.toThrow(/audit_log_purges is permanent/);
      expect(await unbound(admin, statement), statement).toBe(RLS_REFUSED);
    }
    expect(await purgeRecords()).toHaveLength(3);
  });

  it("refuses a purge record from every service role, and from a superuser with a future cutoff; the database fills it in", async () => {
    const insert =
      "INSERT INTO audit_log_purges (cutoff, purged_by, transaction_id) VALUES (now() - interval '1 day', 'someone else', 1)";
    for (const db of [app, readonly, admin]) expect(await unbound(db, insert)).toBe(RLS_REFUSED);
    expect(await unbound(app, "SELECT * FROM audit_log_purges")).toBe(RLS_REFUSED);
    await expect(
      superuser("INSERT INTO audit_log_purges (cutoff) VALUES ('2999-01-01'); DELETE FROM audit_log"),
    ).rejects.toThrow(/cutoff must be a time in the past/);
    const { rows } = await superuser(
      `${insert} RETURNING purged_by = session_user AS own_name, transaction_id <> 1 AS own_transaction`,
    );
    expect(rows).toEqual([{ own_name: true, own_transaction: true }]);
  });
});

/** How many audit entries of `group` exist, as the owner sees them. */
async function entriesOf(group: string): Promise<number> {
  const { rows } = await superuser(`SELECT count(*)::int AS n FROM audit_log WHERE group_id = '${group}'`);
  return rows[0].n;
}

/** Every purge record, oldest first. */
async function purgeRecords(): Promise<{ by: string; cutoff_in_past: boolean }[]> {
  const { rows } = await superuser(
    "SELECT purged_by AS by, cutoff <= purged_at AS cutoff_in_past FROM audit_log_purges ORDER BY purged_at, id",
  );
  return rows;
}

describe("credentials at rest", () => {
  it.each([
    ["not a hash", "not-a-hash"],
    ["uppercase hex", hashApiKey("x").toUpperCase()],
    ["63 digits", hashApiKey("x").slice(1)],
    ["the raw key", randomBytes(32).toString("base64url")],
  ])("refuses an api_keys.key_hash that is %s", async (_, keyHash) => {
    const statement = `INSERT INTO api_keys (group_id, key_hash, key_prefix) VALUES ('${A}', '${keyHash}', 'abcdefgh')`;
    expect(await inGroup(app, A, statement)).toBe(CHECK_REFUSED);
    expect(await inGroup(app, A, `UPDATE api_keys SET key_hash = '${keyHash}'`)).toBe(CHECK_REFUSED);
  });

  it.each([
    ["a plaintext password", "devpassword123"],
    ["an MD5 hex digest", "5f4dcc3b5aa765d61d8327deb882cf99"],
    ["a SHA-256 hex digest", hashApiKey("password")],
    ["a crypt(3) MD5 hash", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX."],
    ["argon2i (not argon2id)", "$argon2i$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"],
    ["bcrypt with a cut hash", BCRYPT.slice(0, 40)],
  ])("refuses a users.password_hash that is %s", async (_, passwordHash) => {
    const email = `${randomBytes(4).toString("hex")}@example.com`;
    expect(
      await unbound(admin, `INSERT INTO users (email, password_hash) VALUES ('${email}', '${passwordHash}')`),
    ).toBe(CHECK_REFUSED);
    expect(await unbound(admin, `UPDATE users SET password_hash = '${passwordHash}'`)).toBe(CHECK_REFUSED);
  });

  it.each([
    BCRYPT,
    "$2b$12$N9qo8uLOickgx2ZMRZoMyeIjZRGdjGj/n3.QWHKjNC.5RILXPnZGW",
    "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g",
  ])("takes the password hash %s", async (passwordHash) => {
    const email = `${randomBytes(4).toString("hex")}@example.com`;
    expect(
      await unbound(admin, `INSERT INTO users (email, password_hash) VALUES ('${email}', '${passwordHash}')`),
    ).toBe("ok:1");
  });

  it("createApiKey returns the raw key once and stores only its SHA-256 and prefix; findApiKey finds it", async () => {
    const { apiKey, key } = await createApiKey(app, { groupId: A, name: "CI", scopes: "agent,read" });
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(apiKey).not.toHaveProperty("keyHash");
    expect(apiKey).toMatchObject({ groupId: A, keyPrefix: key.slice(0, 8), scopes: "agent,read" });
    const { rows } = await superuser(`SELECT * FROM api_keys WHERE id = '${apiKey.id}'`);
    expect(rows[0].key_hash).toBe(hashApiKey(key));
    expect(JSON.stringify(rows[0])).not.toContain(key);
    expect(await findApiKey(app, key)).toMatchObject({ id: apiKey.id, groupId: A });
    expect(await findApiKey(app, `${key}x`)).toBeUndefined();
  });

  it("cannot see another key through findApiKey's binding: presenting one key's hash reveals only that row", async () => {
    const { key } = await createApiKey(app, { groupId: B });
    const seen = await attempt(() =>
      app.transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('devtools_sync.key_hash', ${hashApiKey(key)}, true)`);
        return tx.execute(sql`SELECT * FROM api_keys`);
      }),
    );
    expect(seen).toBe("ok:1");
    expect(await unbound(app, `SELECT * FROM agents WHERE group_id = '${B}'`)).toBe("ok:0");
  });

  it("cannot carry withGroup's binding past its transaction: the next query on the same connection sees no group", async () => {
    const single = connectAs(logins.app as string, 1);
    expect(await inGroup(single, A, "SELECT * FROM agents")).toBe("ok:1");
    expect(await unbound(single, "SELECT * FROM agents")).toBe("ok:0");
    const { rows } = await single.$client.query("SELECT current_setting('devtools_sync.group_id', true) AS g");
    expect(rows[0].g ?? "").toBe("");
  });

  it("refuses a WITH HOLD cursor in withGroup, so none hands the group's rows to the connection's next user", async () => {
    const single = connectAs(logins.app as string, 1);
    const declare = (tx: Transaction) => tx.execute(sql`DECLARE held CURSOR WITH HOLD FOR SELECT * FROM agents`);
    await expect(withGroup(single, A, declare)).rejects.toThrow(/cursor held is WITH HOLD/);
    expect(await unbound(single, "FETCH ALL FROM held")).toBe("34000"); // no such cursor: rolled back with it
    // A cursor without WITH HOLD ends with the transaction and is the way to stream rows.
    const plain = await withGroup(single, A, async (tx) => {
      await tx.execute(sql`DECLARE plain CURSOR FOR SELECT * FROM agents`);
      return (await tx.execute(sql`FETCH ALL FROM plain`)).rows.length;
    });
    expect(plain).toBe(1);
  });

  it("cannot keep a group bound past withGroup with a session-level set_config inside it", async () => {
    const single = connectAs(logins.app as string, 1);
    await withGroup(single, A, (tx) => tx.execute(sql`SELECT set_config('devtools_sync.group_id', ${A}, false)`));
    expect(await unbound(single, "SELECT * FROM agents")).toBe("ok:0");
  });

  it("refuses withGroup a group id that is not a UUID, before touching the database", async () => {
    await expect(withGroup(app, `${A}' OR true --`, async () => 1)).rejects.toThrow(/must be a UUID/);
  });
});

// What the README's threat model says the database does NOT enforce: pinned here, so the README
// is told when a PostgreSQL release or a change here makes one of them untrue.
describe("what the threat model leaves to the services", () => {
  it("lets any holder of the application credential bind any group whose id it knows, even at connect", async () => {
    const url = new URL(database.url);
    url.username = logins.app as string;
    url.password = password;
    url.searchParams.set("options", `-c devtools_sync.group_id=${B}`);
    const bound = createDb(url.toString(), { max: 1 });
    dbs.push(bound);
    expect(await unbound(bound, `SELECT * FROM agents WHERE group_id = '${B}'`)).toBe("ok:1");
  });

  it("lets EXPLAIN ANALYZE count the rows of other groups that the policy filtered out, never their contents", async () => {
    const plan = await withGroup(app, A, (tx) =>
      tx.execute<{ "QUERY PLAN": string }>(sql`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM agents`),
    );
    expect(plan.rows.map((row) => row["QUERY PLAN"]).join("\n")).toMatch(/Rows Removed by Filter: [1-9]/);
  });

  it("lets a login role change its own password, which no privilege can take away", async () => {
    const name = `test_own_password_${suffix}`;
    await withClient(database.url, (client) => ensureLoginRole(client, { name, kind: "readonly", password }));
    logins.own = name;
    const own = connectAs(name, 1);
    expect(await unbound(own, "ALTER ROLE CURRENT_USER PASSWORD 'chosen-by-a-thief'")).toBe("ok:0");
  });
});

describe("data rules every writer meets, psql included, not only the validators", () => {
  const UNIQUE_REFUSED = "23505";
  const agentA = ids("a", 1);
  const keyA = ids("a", 2);
  const report = (extensionId: string) =>
    `INSERT INTO reports (agent_id, group_id, extension_id, user_hash, installed) VALUES ('${agentA}', '${A}', '${extensionId}', '${hashApiKey("r")}', true)`;
  const newKey = (prefix: string) =>
    `INSERT INTO api_keys (group_id, key_hash, key_prefix) VALUES ('${A}', '${hashApiKey(randomBytes(8).toString("hex"))}', '${prefix}')`;
  const newUser = (email: string) => `INSERT INTO users (email, password_hash) VALUES ('${email}', '${BCRYPT}')`;

  // Per rule: statements the application role (bound to group A) may otherwise run, which the admin
  // role is refused too, and statements on what only the admin role writes.
  it.each([
    {
      rule: "a blank name",
      app: [
        `UPDATE groups SET name = '   ' WHERE id = '${A}'`,
        `UPDATE agents SET display_name = '' WHERE id = '${agentA}'`,
        `UPDATE api_keys SET name = ' ' WHERE id = '${keyA}'`,
      ],
      admin: [
        `UPDATE users SET display_name = ' ' WHERE id = '${USER}'`,
        `UPDATE extensions SET name = '' WHERE id = '${EXTENSION}'`,
        `UPDATE extensions SET publisher = '  ' WHERE id = '${EXTENSION}'`,
        `INSERT INTO groups (name) VALUES ('  ')`,
        `INSERT INTO blocklist (pattern_type, pattern) VALUES ('regex', '')`,
      ],
    },
    {
      rule: "a name of only white space other than spaces (tabs, line breaks, Unicode spaces)",
      app: [
        `UPDATE groups SET name = E'\\t\\n' WHERE id = '${A}'`,
        `UPDATE agents SET display_name = E'\\u00a0' WHERE id = '${agentA}'`,
        `UPDATE api_keys SET name = E'\\u3000\\r\\n' WHERE id = '${keyA}'`,
      ],
      admin: [
        `UPDATE users SET display_name = E'\\r\\n' WHERE id = '${USER}'`,
        `UPDATE extensions SET name = E'\\u2028' WHERE id = '${EXTENSION}'`,
        `UPDATE extensions SET publisher = E'\\ufeff\\t' WHERE id = '${EXTENSION}'`,
        `INSERT INTO groups (name) VALUES (E'\\t')`,
        `INSERT INTO blocklist (pattern_type, pattern) VALUES ('exact', E'\\u00a0')`,
      ],
    },
    {
      rule: "a regex blocklist pattern PostgreSQL cannot compile (it would fail every later compliance computation)",
      app: [],
      admin: [
        `INSERT INTO blocklist (pattern_type, pattern) VALUES ('regex', '(')`,
        `INSERT INTO blocklist (pattern_type, pattern) VALUES ('regex', 'a{2,1}')`,
        `UPDATE blocklist SET pattern_type = 'regex', pattern = '[z-a]' WHERE pattern = 'evil-corp'`,
      ],
    },
    {
      rule: "a malformed e-mail address",
      app: [],
      admin: [
        newUser("not an address"),
        newUser("eve@localhost"),
        newUser("eve..x@example.com"),
        `UPDATE users SET email = 'ada' WHERE id = '${USER}'`,
      ],
    },
    {
      rule: "an extension id that is not publisher.name",
      app: [
        report("python"),
        report("ms_python.python"),
        `UPDATE reports SET extension_id = 'a.b.c' WHERE agent_id = '${agentA}'`,
      ],
      admin: [
        `INSERT INTO extensions (extension_id, name, publisher) VALUES ('.python', 'Python', 'Microsoft')`,
        `UPDATE extensions SET extension_id = 'ms-python' WHERE id = '${EXTENSION}'`,
        report("-a.b"),
      ],
    },
    {
      rule: "a key prefix that is not 8 URL-safe characters",
      app: [newKey("short"), newKey("dts abcd"), `UPDATE api_keys SET key_prefix = 'dts.abcd' WHERE id = '${keyA}'`],
      admin: [newKey("dts+abcd"), `UPDATE api_keys SET key_prefix = 'dts' WHERE id = '${keyA}'`],
    },
    {
      rule: "a jsonb value that is not an object",
      app: [
        `UPDATE groups SET settings = '[]' WHERE id = '${A}'`,
        `INSERT INTO audit_log (event_type, actor_type, group_id, details) VALUES ('test.event', 'system', '${A}', '"text"')`,
      ],
      admin: [
        `UPDATE groups SET settings = 'null' WHERE id = '${B}'`,
        `INSERT INTO audit_log (event_type, actor_type, details) VALUES ('test.event', 'system', '[1]')`,
      ],
    },
  ])("refuses $rule, as the application role and as the admin role", async ({ app: asApp, admin: asAdmin }) => {
    for (const statement of asApp) expect(await inGroup(app, A, statement), statement).toBe(CHECK_REFUSED);
    for (const statement of [...asApp, ...asAdmin]) {
      expect(await unbound(admin, statement), statement).toBe(CHECK_REFUSED);
    }
  });

  it("refuses the admin role an e-mail address already taken in another case", async () => {
    expect(await unbound(admin, newUser("ADA@Example.COM"))).toBe(UNIQUE_REFUSED);
    expect(await unbound(admin, newUser("grace@example.com"))).toBe("ok:1");
    expect(await unbound(admin, `UPDATE users SET email = 'Grace@example.com' WHERE id = '${USER}'`)).toBe(
      UNIQUE_REFUSED,
    );
    expect(await unbound(admin, `DELETE FROM users WHERE email = 'grace@example.com'`)).toBe("ok:1");
  });

  it("refuses the admin role a blocklist pattern listed twice for its type", async () => {
    expect(
      await unbound(admin, `INSERT INTO blocklist (pattern_type, pattern) VALUES ('publisher', 'evil-corp')`),
    ).toBe(UNIQUE_REFUSED);
    expect(await unbound(admin, `INSERT INTO blocklist (pattern_type, pattern) VALUES ('exact', 'evil-corp.x')`)).toBe(
      "ok:1",
    );
    expect(await unbound(admin, `DELETE FROM blocklist WHERE pattern = 'evil-corp.x'`)).toBe("ok:1");
    // Uniqueness is case-sensitive as matching is (=): another spelling is another pattern, blocking its own spelling only.
    expect(
      await unbound(admin, `INSERT INTO blocklist (pattern_type, pattern) VALUES ('publisher', 'Evil-Corp')`),
    ).toBe("ok:1");
    const { rows } = await superuser(
      `SELECT id, (SELECT is_blocked FROM compliance_verdict(id)) AS blocked FROM unnest(ARRAY['evil-corp.x', 'Evil-Corp.x', 'EVIL-CORP.x']) AS id`,
    );
    expect(rows).toEqual([
      { id: "evil-corp.x", blocked: true },
      { id: "Evil-Corp.x", blocked: true },
      { id: "EVIL-CORP.x", blocked: false },
    ]);
    expect(await unbound(admin, `DELETE FROM blocklist WHERE pattern = 'Evil-Corp'`)).toBe("ok:1");
  });
});

describe("every group-scoped table", () => {
  it("has row-level security enabled and forced", async () => {
    const { rows } = await superuser(`
      SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND (c.relname = 'groups' OR EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'group_id'))
      ORDER BY 1`);
    expect(rows).toEqual(
      tables
        .map(({ table }) => ({ table, enabled: true, forced: true }))
        .sort((x, y) => x.table.localeCompare(y.table)),
    );
  });
});

describe("every function the migrations create", () => {
  it("runs with search_path fixed to pg_catalog, then pg_temp, so no TEMP table or function can stand in for one it names", async () => {
    const { rows } = await superuser(`
      SELECT n.nspname || '.' || p.proname AS function, coalesce(p.proconfig, '{}') AS config
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
      ORDER BY 1`);
    expect(rows.map((row) => row.function)).toContain("public.purge_audit_log");
    for (const { function: name, config } of rows) {
      expect(config, name).toContain("search_path=pg_catalog, pg_temp");
    }
  });
});

/** The names of every test in `suite`, at any depth (each row of an `it.each` is one). */
function testNames(suite: { tasks: RunnerTask[] }): string[] {
  return suite.tasks.flatMap((task) => (task.type === "suite" ? testNames(task) : [task.name]));
}

describe("the README", () => {
  it("states how many attacks this file makes: its tests named 'refuses …' or 'cannot …'", async ({ task }) => {
    const attacks = testNames(task.file).filter((name) => /^(refuses|cannot) /.test(name)).length;
    const readme = await readFile(join(import.meta.dirname, "..", "..", "..", "README.md"), "utf8");
    const stated = /(\d+) attack tests in `packages\/db\/src\/security\.test\.ts`/.exec(readme)?.[1];
    expect(Number(stated), "the README's count of attack tests (write this number there)").toBe(attacks);
  });
});

describe("the compliance state", () => {
  const state = tables.filter(({ table }) => table.startsWith("compliance_"));

  it.each(state)(
    "refuses the application role any write to $table, even of its own group (only the triggers write it)",
    async ({ table, groupColumn }) => {
      const before = await superuser(`SELECT * FROM ${table} ORDER BY 1, 2`);
      for (const statement of [
        insertInto(table, A, ids("a", 1)),
        `UPDATE ${table} SET ${groupColumn} = ${groupColumn} WHERE ${groupColumn} = '${A}'`,
        `DELETE FROM ${table} WHERE ${groupColumn} = '${A}'`,
      ]) {
        expect(await inGroup(app, A, statement), statement).toBe(RLS_REFUSED);
      }
      expect((await superuser(`SELECT * FROM ${table} ORDER BY 1, 2`)).rows).toEqual(before.rows);
    },
  );

  it("refuses the application role the maintenance functions: no build, refresh, rebuild or lock of any group", async () => {
    for (const statement of [
      `SELECT compliance_build_group('${A}')`,
      `SELECT compliance_build_group('${B}')`,
      `SELECT compliance_refresh(ARRAY['${B}']::uuid[], ARRAY['ms-python.python']::varchar[], ARRAY['${hashApiKey("b")}']::varchar[])`,
      `SELECT compliance_rebuild(ARRAY['${B}']::uuid[], ARRAY['ms-python.python']::varchar[])`,
      `SELECT compliance_lock(ARRAY['${B}']::uuid[], ARRAY['${hashApiKey("b")}']::varchar[])`,
    ]) {
      expect(await inGroup(app, A, statement), statement).toBe(RLS_REFUSED);
    }
  });

  it("refuses the admin role writes to the state; it rebuilds a group with compliance_build_group", async () => {
    const statement = `DELETE FROM compliance_violations WHERE group_id = '${B}'`;
    expect(await unbound(admin, statement)).toBe(RLS_REFUSED);
    const before = await rowsOfB("compliance_violations", "group_id");
    expect(await unbound(admin, `SELECT compliance_build_group('${B}')`)).toBe("ok:1");
    expect(await rowsOfB("compliance_violations", "group_id")).toBe(before);
  });

  it("follows the application role's writes in its own group, under row-level security, and nowhere else", async () => {
    const report = (installedVersion: string | null) =>
      withGroup(app, A, (tx) =>
        upsertReportBatch(tx, {
          agentId: ids("a", 1),
          groupId: A,
          userHash: hashApiKey("a"),
          entries: [{ extensionId: "ms-python.python", installed: true, installedVersion }],
        }),
      );
    const ofB = await rowsOfB("compliance_violations", "group_id");
    await report("1.0.0");
    expect(await inGroup(app, A, "SELECT * FROM compliance_violations")).toBe("ok:0");
    expect(await withGroup(readonly, A, (tx) => complianceSummary(tx, A))).toMatchObject({
      liveAgents: 1,
      compliantAgents: 1,
      wrongVersion: 0,
    });
    await report(null);
    expect(await inGroup(app, A, "SELECT * FROM compliance_violations WHERE problem = 'wrong_version'")).toBe("ok:1");
    expect(await rowsOfB("compliance_violations", "group_id")).toBe(ofB);
  });

  it("binds the prepared report upsert to the group of each transaction: one connection prepared in A writes nothing of A for B", async () => {
    const oneConnection = connectAs(logins.app as string, 1);
    const batch = (group: "a" | "b", extensionId: string) => ({
      agentId: ids(group, 1),
      groupId: groupOf(group),
      userHash: hashApiKey(group),
      entries: [{ extensionId, installed: true, installedVersion: "1.0.0" }],
    });
    expect(await withGroup(oneConnection, A, (tx) => upsertReportBatch(tx, batch("a", "prepared-in.a")))).toBe(1);
    const reportsOfA = async () =>
      JSON.stringify((await superuser(`SELECT * FROM reports WHERE group_id = '${A}' ORDER BY id`)).rows);
    const ofA = await reportsOfA();
    const intoA = await attempt(() =>
      withGroup(oneConnection, B, (tx) => upsertReportBatch(tx, batch("a", "from-b.a")).then(() => ({ rows: [] }))),
    );
    expect(intoA).toBe(RLS_REFUSED);
    expect(await reportsOfA()).toBe(ofA);
    expect(await withGroup(oneConnection, B, (tx) => upsertReportBatch(tx, batch("b", "prepared-in.b")))).toBe(1);
  });
});
