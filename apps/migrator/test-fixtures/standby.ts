import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, cp, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { withClient } from "@devtools-sync/local-postgres";
import { freePort } from "./harness";

// A real hot standby of a running PostgreSQL, streaming from it, for tests of what the migrator
// does on a read-only replica. pg_basebackup is not among the binaries npm ships (initdb, pg_ctl,
// postgres), so the base backup is taken as PostgreSQL documents its low-level form: a copy of the
// data directory between pg_backup_start() and pg_backup_stop(), with the backup_label written
// into it. The standby then streams WAL through a physical replication slot, as one made with
// `pg_basebackup -R --slot` would.

/** A running standby and how to stop it (its files and replication slot go with it). */
export interface Standby {
  url: string;
  stop(): Promise<void>;
}

// What a base backup leaves out or empties (see "Making a Base Backup Using the Low Level API").
const EMPTIED = [
  "pg_wal",
  "pg_replslot",
  "pg_stat_tmp",
  "pg_dynshmem",
  "pg_notify",
  "pg_serial",
  "pg_snapshots",
  "pg_subtrans",
];
const LEFT_OUT = ["postmaster.pid", "postmaster.opts", "standby.signal", "log"];

/**
 * Makes a standby of the server at `primaryUrl` (a superuser URL with a password, on a server on
 * this machine: its data directory is copied) and waits until it has replayed everything the
 * primary had written when it was made.
 */
export async function startStandby(primaryUrl: string): Promise<Standby> {
  const slot = `standby_${randomBytes(4).toString("hex")}`;
  const { dataDir, bindir, owner, primaryLsn } = await withClient(primaryUrl, async (client) => {
    const setting = async (sql: string) => (await client.query(sql)).rows[0]?.value as string;
    const source = await setting("SELECT current_setting('data_directory') AS value");
    const bin = await setting("SELECT setting AS value FROM pg_config WHERE name = 'BINDIR'");
    await client.query("SELECT pg_create_physical_replication_slot($1, true)", [slot]);
    await client.query("SELECT pg_backup_start('standby for tests', true)");
    const copy = join(dirname(source), slot);
    await cp(source, copy, {
      recursive: true,
      filter: (path) => {
        const [top, ...rest] = relative(source, path).split("/");
        return !(LEFT_OUT.includes(top ?? "") || (EMPTIED.includes(top ?? "") && rest.length > 0));
      },
    });
    const { rows } = await client.query<{ labelfile: string }>("SELECT labelfile FROM pg_backup_stop(false)");
    await writeFile(join(copy, "backup_label"), rows[0]?.labelfile ?? "");
    return {
      dataDir: copy,
      bindir: bin,
      // PostgreSQL runs as its data directory's owner (the OS user "postgres" when tests run as root).
      owner: await stat(join(source, "PG_VERSION")),
      primaryLsn: await setting("SELECT pg_current_wal_lsn()::text AS value"),
    };
  });
  await mkdir(join(dataDir, "pg_wal", "archive_status"), { recursive: true });
  const primary = new URL(primaryUrl);
  const conninfo = `host=${primary.hostname} port=${primary.port} user=${decodeURIComponent(primary.username)} password=${decodeURIComponent(primary.password)} application_name=${slot}`;
  await writeFile(
    join(dataDir, "postgresql.auto.conf"),
    `primary_conninfo = '${conninfo}'\nprimary_slot_name = '${slot}'\nhot_standby = on\n`,
    { flag: "a" },
  );
  await writeFile(join(dataDir, "standby.signal"), "");
  await chownTree(dataDir, owner.uid, owner.gid);
  const port = await freePort();
  const server = spawn(join(bindir, "postgres"), ["-D", dataDir, "-p", String(port)], {
    uid: owner.uid,
    gid: owner.gid,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  server.stderr?.on("data", (chunk) => {
    log += chunk;
  });
  const url = new URL(primaryUrl);
  url.port = String(port);
  const stop = async () => {
    await stopServer(server);
    await withClient(primaryUrl, (client) => client.query("SELECT pg_drop_replication_slot($1)", [slot])).catch(
      () => {},
    );
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await caughtUp(url.toString(), primaryLsn, server, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: url.toString(), stop };
}

/** Waits until the standby accepts connections, in recovery, streaming, and has replayed `lsn`. */
async function caughtUp(url: string, lsn: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the standby exited:\n${log()}`);
    const ready = await withClient(url, async (client) => {
      const { rows } = await client.query(
        `SELECT pg_is_in_recovery() AS standby,
                pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed,
                EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming`,
        [lsn],
      );
      return rows[0]?.standby && rows[0]?.replayed && rows[0]?.streaming;
    }).catch(() => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`the standby did not catch up within 60 s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the standby has replayed everything the primary has written so far. */
export async function replayed(primaryUrl: string, standby: Standby): Promise<void> {
  const lsn = await withClient(primaryUrl, async (client) => {
    const { rows } = await client.query("SELECT pg_current_wal_lsn()::text AS lsn");
    return rows[0]?.lsn as string;
  });
  const deadline = Date.now() + 60_000;
  while (
    !(await withClient(standby.url, async (client) => {
      const { rows } = await client.query("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done", [lsn]);
      return rows[0]?.done === true;
    }))
  ) {
    if (Date.now() > deadline) throw new Error("the standby did not replay the primary's WAL within 60 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  const info = await stat(path);
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid);
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGINT"); // fast shutdown
  await exited;
}
