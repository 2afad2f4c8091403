import { randomBytes } from "node:crypto";
import { createTestDatabase, databaseUrl, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { describe, expect, it } from "vitest";
import {
  eventually,
  lines,
  parseJsonLines,
  runCli,
  startCli,
  tempDir,
  writeMigrations,
} from "../test-fixtures/harness";

// A column renamed the zero-downtime way, as a deploy runs it: `up` applies the expand (new
// column + a trigger keeping both in step), backfills the rows written before it in short
// batches, and holds the contract until the operator says the old application version is gone.

const database = await createTestDatabase();
const url = database.url;

const agents = {
  tag: "0000_agents",
  sql: `CREATE TABLE agents (
  group_id int NOT NULL, id int NOT NULL, hostname text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (group_id, id));
--> statement-breakpoint
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
--> statement-breakpoint
CREATE TRIGGER agents_set_updated_at BEFORE UPDATE ON agents FOR EACH ROW EXECUTE FUNCTION set_updated_at();`,
};

// The sync trigger sorts after agents_set_updated_at, and keeps updated_at as it was when the
// migrator's backfill touches the row (migrator.backfill = on), as the generated expands do.
const expand = {
  tag: "0001_rename_hostname",
  sql: `-- expand: rename agents.hostname to host_name
-- backfill: agents
ALTER TABLE agents ADD COLUMN host_name text;
--> statement-breakpoint
ALTER TABLE agents ALTER COLUMN hostname DROP NOT NULL;
--> statement-breakpoint
CREATE FUNCTION agents_sync_host_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.host_name := coalesce(NEW.host_name, NEW.hostname);
    NEW.hostname := coalesce(NEW.hostname, NEW.host_name);
  ELSIF NEW.hostname IS DISTINCT FROM OLD.hostname THEN NEW.host_name := NEW.hostname;
  ELSIF NEW.host_name IS DISTINCT FROM OLD.host_name THEN NEW.hostname := NEW.host_name;
  ELSE NEW.host_name := NEW.hostname;
  END IF;
  IF TG_OP = 'UPDATE' AND current_setting('migrator.backfill', true) = 'on' THEN NEW.updated_at := OLD.updated_at; END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER agents_sync_host_name BEFORE INSERT OR UPDATE ON agents FOR EACH ROW EXECUTE FUNCTION agents_sync_host_name();`,
  down: `DROP TRIGGER agents_sync_host_name ON agents;
--> statement-breakpoint
DROP FUNCTION agents_sync_host_name();
--> statement-breakpoint
ALTER TABLE agents DROP COLUMN host_name;
--> statement-breakpoint
ALTER TABLE agents ALTER COLUMN hostname SET NOT NULL;`,
};

const contract = {
  tag: "0002_rename_hostname_contract",
  sql: `-- contract: 0001_rename_hostname
DROP TRIGGER agents_sync_host_name ON agents;
--> statement-breakpoint
DROP FUNCTION agents_sync_host_name();
--> statement-breakpoint
ALTER TABLE agents DROP COLUMN hostname;
--> statement-breakpoint
ALTER TABLE agents ALTER COLUMN host_name SET NOT NULL;`,
  down: "-- irreversible: hostname is gone\n",
};

const ROWS = 300;
const folder = await writeMigrations(await tempDir(), [agents, expand, contract]);
const cli = (...args: string[]) =>
  runCli([
    ...args,
    "--database-url",
    url,
    "--migrations-dir",
    folder,
    ...(args[0] === "up" ? ["--verify", "never"] : []),
  ]);
const query = async (sql: string) => (await withClient(url, (client) => client.query(sql))).rows;
const agentRows = () =>
  query(
    "SELECT group_id, id, host_name, updated_at = '2020-01-01' AS untouched, xmin::text AS version FROM agents ORDER BY 1, 2",
  );
const unfilled = async () => (await query("SELECT count(*)::int AS n FROM agents WHERE host_name IS NULL"))[0].n;

describe("expand, backfill and contract through migrator up", () => {
  it("holds the contract, backfills the rows written before the expand, resumes after a kill, and applies the contract when released", async () => {
    expect((await cli("up", "--to", agents.tag)).code).toBe(0);
    // Rows the old version wrote before the expand, keyed by a composite primary key.
    await query(
      `INSERT INTO agents (group_id, id, hostname, updated_at)
       SELECT g % 3, g, 'host-' || g, '2020-01-01' FROM generate_series(1, ${ROWS}) g`,
    );

    // plan reports the backfill up would run after the expand: its rows, batches and the limit on each.
    const planned = await cli("plan", "--locks", "never", "--backfill-batch-size", "40");
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain(
      `  backfill agents after ${expand.tag}: ~${ROWS} rows to touch, batches sized to ~150 ms, at most 40 rows, each rolled back and retried smaller past 300 ms: no row stays locked longer; at least ${Math.ceil(ROWS / 40)} batch(es)`,
    );

    // up applies the expand, backfills every row, and stops before the contract: exit 0.
    const first = await cli("up", "--json", "--backfill-batch-size", "40", "--backfill-batch-ms", "0");
    expect(first.code, first.stderr).toBe(0);
    const events = parseJsonLines(first.stdout);
    expect(events.filter((e) => e.type === "migration-done").map((e) => e.name)).toEqual([expand.tag]);
    expect(events.find((e) => e.type === "backfill-done")).toMatchObject({ table: "agents", rows: ROWS, batches: 8 });
    expect(events.find((e) => e.type === "held")).toMatchObject({ name: contract.tag, expand: expand.tag });
    expect(events.at(-1)).toMatchObject({ type: "result", applied: [expand.tag], held: contract.tag });
    const filled = await agentRows();
    expect(filled.filter((row) => row.host_name === `host-${row.id}`)).toHaveLength(ROWS);
    // The touch is no application update: updated_at stays as the old version wrote it.
    expect(filled.every((row) => row.untouched)).toBe(true);
    expect(
      (await query("SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'hostname'"))[0].n,
    ).toBe(1);

    // status names the held contract and exits 0: up has nothing to do until it is released.
    const held = await cli("status");
    expect(held.code).toBe(0);
    expect(lines(held.stderr)).toEqual([
      "2 applied, 0 pending, 1 held.",
      `  applied  ${agents.tag}`,
      `  applied  ${expand.tag}`,
      `  held     ${contract.tag} (contract of ${expand.tag}; apply with up --contract ${contract.tag})`,
    ]);

    // plan shows what up would run: nothing while the contract is held, the contract once released.
    const planHeld = await cli("plan", "--locks", "never");
    expect(planHeld.code).toBe(0);
    expect(planHeld.stdout).toBe("");
    const planReleased = await cli("plan", "--locks", "never", "--contract", contract.tag);
    expect(planReleased.stdout).toContain(`-- Migration ${contract.tag}`);
    expect(planReleased.stdout).toContain("ALTER TABLE agents DROP COLUMN hostname;");

    // A re-run is a no-op: no row is touched again.
    const again = await cli("up");
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`Held ${contract.tag}`);
    expect(await agentRows()).toEqual(filled);

    // down of the expand is allowed; it takes its backfill's record with it.
    const undone = await cli("down", "--steps", "1");
    expect(undone.code, undone.stderr).toBe(0);
    expect(await query("SELECT * FROM migrator.backfills")).toEqual([]);

    // Killed in the middle of the backfill: the batches committed so far stay, and up resumes after them.
    const slow = startCli([
      "up",
      "--json",
      "--verify",
      "never",
      "--database-url",
      url,
      "--migrations-dir",
      folder,
      "--backfill-batch-size",
      "10",
      "--backfill-pause",
      "100",
    ]);
    await eventually("a few batches are committed", async () => {
      const [row] = await query(
        "SELECT rows_done FROM migrator.backfills WHERE to_regclass('migrator.backfills') IS NOT NULL",
      );
      return Number(row?.rows_done ?? 0) >= 50;
    });
    slow.child.kill("SIGKILL");
    await slow.exited;
    await eventually("the killed migrator's session ends", async () => {
      const active = await query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'devtools-sync-migrator'",
      );
      return active.length === 0;
    });
    const [cut] = await query("SELECT rows_done::int AS done, finished FROM migrator.backfills");
    expect(cut.finished).toBe(false);
    expect(cut.done).toBeLessThan(ROWS);
    expect(await unfilled()).toBe(ROWS - cut.done); // the batch in flight rolled back, ledger and rows alike

    const interrupted = await cli("status");
    expect(interrupted.code).toBe(3);
    expect(interrupted.stderr).toContain(
      `  backfilling  agents for ${expand.tag} (${cut.done} rows done; migrator up resumes it)`,
    );

    const resumed = await cli("up", "--json", "--backfill-batch-size", "40");
    expect(resumed.code, resumed.stderr).toBe(0);
    const resumedEvents = parseJsonLines(resumed.stdout);
    expect(resumedEvents.filter((e) => e.type === "migration-done")).toEqual([]);
    expect(resumedEvents.find((e) => e.type === "backfill-start")).toMatchObject({ resumeAfter: cut.done });
    expect(resumedEvents.find((e) => e.type === "backfill-done")).toMatchObject({ rows: ROWS - cut.done });
    expect(await unfilled()).toBe(0);
    expect((await agentRows()).every((row) => row.untouched)).toBe(true);

    // A migration that is not a contract cannot be released.
    const wrong = await cli("up", "--contract", agents.tag);
    expect(wrong.code).toBe(2);
    expect(lines(wrong.stderr)).toHaveLength(1);

    // Released: the contract applies, and the old column is gone.
    const released = await cli("up", "--contract", contract.tag);
    expect(released.code, released.stderr).toBe(0);
    expect(released.stderr).toContain(`applied ${contract.tag}`);
    expect(
      (await query("SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'hostname'"))[0].n,
    ).toBe(0);
    const done = await cli("status");
    expect(done.code).toBe(0);
    expect(lines(done.stderr)[0]).toBe("3 applied, 0 pending.");
    expect((await cli("up", "--contract", contract.tag)).code).toBe(0); // a repeated release is a no-op

    // down of a contract is refused in one line, and nothing is rolled back.
    const refused = await cli("down", "--steps", "1");
    expect(refused.code).toBe(2);
    expect(lines(refused.stderr)).toEqual([
      `Error: Migration ${contract.tag} is the contract of ${expand.tag} and is not rolled back (the old shape's data is gone); nothing was rolled back: to bring the old shape back, write a new expand.`,
    ]);
    expect(lines((await cli("status")).stderr)[0]).toBe("3 applied, 0 pending.");
  }, 120_000);
});

const notesTable = {
  tag: "0000_notes",
  sql: "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL, touched_by text);",
};
const touchExpand = {
  tag: "0001_touch_expand",
  sql: `-- expand: record who touched each note
-- backfill: notes
CREATE FUNCTION notes_touched_by() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched_by := current_user; RETURN NEW; END $$;
--> statement-breakpoint
CREATE TRIGGER notes_touched_by BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION notes_touched_by();`,
};

/** A database at 0000_notes holding 50 notes (then `setUp`'s SQL), and `up` to apply the touch expand. */
async function notesAwaitingBackfill(url: string, setUp: string) {
  const dir = await writeMigrations(await tempDir(), [notesTable, touchExpand]);
  const up = (...flags: string[]) =>
    runCli(["up", "--database-url", url, "--migrations-dir", dir, "--verify", "never", ...flags]);
  expect((await up("--to", notesTable.tag)).code).toBe(0);
  await withClient(url, (client) =>
    client.query(`INSERT INTO notes (id, body) SELECT g, 'note ' || g FROM generate_series(1, 50) g; ${setUp}`),
  );
  return up;
}

describe("the backfill's role", () => {
  it("runs each batch as --backfill-role, and records its progress as the migrator's own role", async () => {
    const other = await createTestDatabase();
    const role = `backfiller_${process.pid}`;
    const up = await notesAwaitingBackfill(
      other.url,
      `DO $$ BEGIN CREATE ROLE ${role}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
       GRANT SELECT, UPDATE ON notes TO ${role};`,
    );
    const run = await up("--backfill-role", role, "--backfill-batch-size", "20");
    expect(run.code, run.stderr).toBe(0);
    const rows = await withClient(other.url, async (client) => ({
      touchedBy: (await client.query("SELECT DISTINCT touched_by FROM notes")).rows.map((row) => row.touched_by),
      backfill: (await client.query("SELECT rows_done::int AS done, finished FROM migrator.backfills")).rows,
    }));
    expect(rows).toEqual({ touchedBy: [role], backfill: [{ done: 50, finished: true }] });
    await withClient(other.url, (client) => client.query(`REVOKE ALL ON notes FROM ${role}; DROP ROLE ${role}`));
  }, 60_000);

  // Row-level security hides rows from a role silently: a backfill run as a role that sees some
  // rows would record itself finished, and the contract would drop the only copy of the rest.
  const touchedNotes = (url: string) =>
    withClient(url, async (client) => ({
      touched: (await client.query("SELECT count(touched_by)::int AS n FROM notes")).rows[0].n,
      backfill: (await client.query("SELECT rows_done::int AS done, finished FROM migrator.backfills")).rows,
    }));

  it("refuses, before any batch, a --backfill-role to which row-level security shows only some rows", async () => {
    const other = await createTestDatabase();
    const role = `partial_${randomBytes(4).toString("hex")}`;
    const up = await notesAwaitingBackfill(
      other.url,
      `CREATE ROLE ${role}; GRANT SELECT, UPDATE ON notes TO ${role};
       ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
       CREATE POLICY first_ten ON notes TO ${role} USING (id <= 10);`,
    );
    const run = await up("--backfill-role", role);
    expect(run.code).toBe(1);
    expect(lines(run.stderr).at(-1)).toBe(
      `Error: --backfill-role ${role}: row-level security shows ${role} 10 of the 50 rows of notes, so the backfill would finish with the others unfilled: pass a role whose policies show every row.`,
    );
    expect(await touchedNotes(other.url)).toEqual({ touched: 0, backfill: [{ done: 0, finished: false }] });
    await withClient(other.url, (client) =>
      client.query(`DROP POLICY first_ten ON notes; REVOKE ALL ON notes FROM ${role}; DROP ROLE ${role}`),
    );
  }, 60_000);

  it("as a database owner bound by its own forced row-level security: refuses without a role, and with one it may grant itself, fills every row and gives the role back", async () => {
    const suffix = randomBytes(4).toString("hex");
    const [owner, filler, password, name] = [
      `owner_${suffix}`,
      `filler_${suffix}`,
      randomBytes(12).toString("hex"),
      `owned_${suffix}`,
    ];
    const server = testServerUrl();
    await withClient(server, async (client) => {
      await client.query(`CREATE ROLE "${owner}" LOGIN CREATEROLE PASSWORD '${password}'`);
      await client.query(`CREATE DATABASE "${name}" OWNER "${owner}"`);
    });
    const asOwner = new URL(databaseUrl(server, name));
    asOwner.username = owner;
    asOwner.password = password;
    const forced = {
      tag: "0000_notes",
      sql: `${notesTable.sql}
--> statement-breakpoint
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY owner_first_ten ON notes TO CURRENT_USER USING (id <= 10);
--> statement-breakpoint
CREATE ROLE "${filler}";
--> statement-breakpoint
GRANT SELECT, UPDATE ON notes TO "${filler}";
--> statement-breakpoint
CREATE POLICY filler_all ON notes TO "${filler}" USING (true);`,
    };
    const dir = await writeMigrations(await tempDir(), [forced, touchExpand]);
    const up = (...flags: string[]) =>
      runCli(["up", "--database-url", asOwner.toString(), "--migrations-dir", dir, "--verify", "never", ...flags]);
    try {
      expect((await up("--to", forced.tag)).code).toBe(0);
      const ownerUrl = asOwner.toString();
      await withClient(databaseUrl(server, name), (client) =>
        client.query("INSERT INTO notes (id, body) SELECT g, 'note ' || g FROM generate_series(1, 50) g"),
      );
      const refused = await up();
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr).at(-1)).toBe(
        `Error: The backfill of notes would run as ${owner}, to whom row-level security shows only the rows its policies allow, and would finish with the others unfilled: pass --backfill-role with a role whose policies show every row of notes.`,
      );
      const run = await up("--backfill-role", filler);
      expect(run.code, run.stderr).toBe(0);
      expect(await touchedNotes(databaseUrl(server, name))).toEqual({
        touched: 50,
        backfill: [{ done: 50, finished: true }],
      });
      await expect(withClient(ownerUrl, (client) => client.query(`SET ROLE "${filler}"`))).rejects.toThrow(
        `permission denied to set role "${filler}"`,
      );
    } finally {
      await withClient(server, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        for (const role of [filler, owner]) await client.query(`DROP ROLE IF EXISTS "${role}"`);
      });
    }
  }, 60_000);
});
