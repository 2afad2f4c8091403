import pg from "pg";
import { sameServer, withScratchDatabase } from "../expected-schema";
import { findMigration, type Migration, readMigrations } from "../journal";
import { migrate } from "../migrate";
import { type PendingMigration, readPlan } from "../pending-sql";
import { runsInTransaction, splitStatements } from "../statements";
import { isLockMode, type LockMode, strongerMode } from "./lock-modes";
import { relationName, tablesNamedIn } from "./relation-name";
import { type SampleTable, writeSampleRows } from "./sample-rows";

// Measured, not looked up (the method of eugene's and pgfence's traces, plus scans): every pending
// migration runs on a scratch copy of the target's schema, with its own transaction boundaries,
// and after each statement the session's pg_locks, the relations' storage (relfilenode) and the
// transaction's scan counters are compared with before. CONCURRENTLY statements run alone, watched
// from a second session while a third holds a snapshot open, so their waits show.

/** Work a statement did on a table that existed before its migration. */
export interface TableWork {
  table: string;
  /** rewrite: new storage for the table; index-build: an index (re)built from the table; scan: a full read of it. */
  kind: "rewrite" | "index-build" | "scan";
  /** The index built, for index-build. */
  index?: string;
  /** The table's size (with indexes) on the scratch database when the migration started. */
  sampleBytes: number;
}

/** What one statement did, measured on the scratch database. */
export interface StatementProfile {
  /** 1-based position in the migration file. */
  position: number;
  sql: string;
  /** False for statements that run alone (CONCURRENTLY and the rest of its migration). */
  inTransaction: boolean;
  /** Locks this statement took that its migration did not hold before: tables and indexes that existed before the migration. */
  locks: { relation: string; table: string; mode: LockMode }[];
  /** The strongest mode held on each such table (counting its indexes) once this statement ran; held until commit. */
  held: { table: string; mode: LockMode }[];
  work: TableWork[];
  /** What a statement run alone was seen waiting for (pg_locks lock types, e.g. virtualxid: older snapshots). */
  waitedFor: string[];
  /** Wall time on the scratch database. */
  durationMs: number;
}

export interface MigrationProfile {
  name: string;
  transactional: boolean;
  statements: StatementProfile[];
  /** Set when the migration could not be measured (it failed on the scratch database); later ones are not measured either. */
  error?: string;
  /** Set when it failed on the sample rows and was measured again on empty tables. */
  note?: string;
}

export interface LockProfile {
  /** The scratch (= target) server's version. */
  serverVersion: string;
  /** Sample rows written to the pre-existing tables the pending statements name. */
  samples: SampleTable[];
  /** Bytes per ms of a table rewrite timed on the scratch database, for statements measured without rows. */
  calibrationBytesPerMs: number;
  migrations: MigrationProfile[];
}

export interface LockProfileOptions {
  /** A client on the target; the scratch database is created on its server with its credentials (needs CREATEDB). */
  client: pg.Client;
  folder: string;
  /** Profile only up to and including this migration. */
  to?: string;
  /** Rows written into each touched table before measuring (default 20,000). */
  sampleRows?: number;
  /** What `up` is about to apply, when the caller has read it already (the target's ledgers are then not read again). */
  pending?: PendingMigration[];
}

interface Relation {
  oid: number;
  name: string;
  kind: string;
  filenode: number;
  /** The table an index belongs to; a table's own oid otherwise. */
  tableOid: number;
}

const RELATIONS = `
  SELECT c.oid::int8 AS oid, ${relationName("c", "n")} AS name, c.relkind AS kind, c.relfilenode::int8 AS filenode,
         COALESCE(x.indrelid, c.oid)::int8 AS "tableOid"
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_index x ON x.indexrelid = c.oid
  WHERE c.relkind IN ('r', 'p', 'm', 'i', 'I') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrator')
    AND n.nspname NOT LIKE 'pg\\_%'`;

const SCANS = "SELECT relid::int8 AS oid, seq_scan::int8 AS scans FROM pg_stat_xact_user_tables";
const LOCKS = `SELECT relation::int8 AS oid, mode, granted, locktype FROM pg_locks WHERE pid = $1`;
const SIZES = `SELECT c.oid::int8 AS oid, pg_total_relation_size(c.oid)::int8 AS bytes FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')`;

/** Profiles every migration `up` would apply to the target (up to `to`). Writes nothing to the target. */
export async function measureLockProfile(options: LockProfileOptions): Promise<LockProfile> {
  const { pending, lastApplied, resumed } = await pendingToMeasure(options);
  return withScratchDatabase(options.client, async (scratch) => {
    const serverVersion = (await scratch.query("SHOW server_version")).rows[0].server_version as string;
    const calibrationBytesPerMs = await calibrate(scratch);
    if (lastApplied !== undefined) await migrate({ client: scratch, folder: options.folder, to: lastApplied });
    if (pending[0] && resumed) {
      for (const statement of pending[0].statements.slice(0, resumed)) await scratch.query(statement);
    }
    const samples = await writeSampleRows(scratch, await tablesNamedIn(scratch, pending), options.sampleRows ?? 20_000);
    const profiles: MigrationProfile[] = [];
    let failed = false;
    for (const [i, migration] of pending.entries()) {
      const from = i === 0 && resumed ? resumed : 0;
      const statements = migration.statements.slice(from).map((sql, j) => ({ sql, position: from + j + 1 }));
      if (failed) {
        profiles.push({
          name: migration.name,
          transactional: migration.transactional,
          statements: [],
          error: "an earlier migration failed on the scratch database",
        });
        continue;
      }
      const profile = await measureMigration(scratch, migration.name, migration.transactional, statements, samples);
      failed = profile.error !== undefined;
      profiles.push(profile);
    }
    return { serverVersion, samples, calibrationBytesPerMs, migrations: profiles };
  });
}

/** The migrations to measure (up to `to`), the last one applied before them, and how far an interrupted first one got. */
async function pendingToMeasure(
  options: LockProfileOptions,
): Promise<{ pending: Migration[]; lastApplied: string | undefined; resumed: number }> {
  if (options.pending) {
    const migrations = await readMigrations(options.folder);
    const pending = options.pending.map((migration) => findMigration(migrations, migration.name));
    const first = pending[0];
    return {
      pending,
      lastApplied: first ? migrations[first.index - 1]?.name : undefined,
      resumed: options.pending[0]?.resumeAt ?? 0,
    };
  }
  const { plan, ledger, migrations } = await readPlan(options.client, options.folder);
  const limit = options.to === undefined ? undefined : findMigration(migrations, options.to).index;
  const pending = plan.pending.filter((migration) => limit === undefined || migration.index <= limit);
  const resumed = ledger.find((row) => row.name === pending[0]?.name)?.statementsDone ?? 0;
  return { pending, lastApplied: plan.applied.at(-1)?.name, resumed };
}

/** Bytes per ms of rewriting a 100,000-row table on this server, the fallback for statements measured without rows. */
async function calibrate(scratch: pg.Client): Promise<number> {
  await scratch.query(
    "CREATE TABLE migrator_calibration AS SELECT g AS id, md5(g::text) AS label FROM generate_series(1, 100000) g",
  );
  const bytes = Number((await scratch.query("SELECT pg_total_relation_size('migrator_calibration') AS b")).rows[0].b);
  const started = performance.now();
  await scratch.query("ALTER TABLE migrator_calibration ALTER COLUMN id TYPE bigint");
  const ms = performance.now() - started;
  await scratch.query("DROP TABLE migrator_calibration");
  return bytes / Math.max(ms, 0.01);
}

interface Numbered {
  sql: string;
  position: number;
}

async function measureMigration(
  scratch: pg.Client,
  name: string,
  transactional: boolean,
  statements: Numbered[],
  samples: SampleTable[],
): Promise<MigrationProfile> {
  const base = { name, transactional };
  try {
    return { ...base, statements: await measureStatements(scratch, transactional, statements) };
  } catch (first) {
    const seeded = samples.filter((sample) => sample.rows > 0);
    if (!transactional || seeded.length === 0) return { ...base, statements: [], error: message(first) };
    // The sample values broke something the statement checks (a CHECK, a cast): measure on empty tables.
    await scratch.query(`TRUNCATE ${seeded.map((sample) => sample.table).join(", ")} CASCADE`);
    for (const sample of seeded) sample.rows = 0;
    try {
      const measured = await measureStatements(scratch, transactional, statements);
      return {
        ...base,
        statements: measured,
        note: `failed on the sample rows (${message(first)}); measured on empty tables`,
      };
    } catch (second) {
      return { ...base, statements: [], error: message(second) };
    }
  }
}

function message(error: unknown): string {
  return (error as Error).message ?? String(error);
}

async function measureStatements(scratch: pg.Client, transactional: boolean, statements: Numbered[]) {
  const sizes = await tableSizes(scratch);
  const measured: StatementProfile[] = [];
  if (transactional) {
    await scratch.query("BEGIN");
    try {
      let state = await probe(scratch);
      const atStart = state.relations;
      for (const statement of statements) {
        const [profile, after] = await measureInTransaction(scratch, statement, atStart, state, sizes, measured);
        measured.push(profile);
        state = after;
      }
      await scratch.query("COMMIT");
    } catch (error) {
      await scratch.query("ROLLBACK").catch(() => {});
      throw error;
    }
    return measured;
  }
  for (const statement of statements) {
    if (!runsInTransaction(splitStatements(statement.sql))) {
      measured.push(await measureAlone(scratch, statement, await relations(scratch), await tableSizes(scratch)));
    } else {
      await scratch.query("BEGIN");
      try {
        const state = await probe(scratch);
        const [profile] = await measureInTransaction(
          scratch,
          statement,
          state.relations,
          state,
          await tableSizes(scratch),
          [],
        );
        measured.push(profile);
        await scratch.query("COMMIT");
      } catch (error) {
        await scratch.query("ROLLBACK").catch(() => {});
        throw error;
      }
    }
  }
  return measured;
}

/** What the session sees of its relations, its transaction's scans and its locks: one round trip. */
interface Probe {
  relations: Map<number, Relation>;
  scans: Map<number, number>;
  locks: LockRow[];
}

async function probe(scratch: pg.Client): Promise<Probe> {
  const results = (await scratch.query(
    `${RELATIONS}; ${SCANS}; ${LOCKS.replace("$1", "pg_backend_pid()")}`,
  )) as unknown as pg.QueryResult[];
  const [relationRows, scanRows, lockRows] = results.map((result) => result.rows);
  return {
    relations: toRelations(relationRows as Relation[]),
    scans: new Map((scanRows as { oid: string; scans: string }[]).map((row) => [Number(row.oid), Number(row.scans)])),
    locks: lockRows as LockRow[],
  };
}

async function measureInTransaction(
  scratch: pg.Client,
  statement: Numbered,
  atStart: Map<number, Relation>,
  before: Probe,
  sizes: Map<number, number>,
  earlier: StatementProfile[],
): Promise<[StatementProfile, Probe]> {
  const started = performance.now();
  await scratch.query(statement.sql);
  const durationMs = performance.now() - started;
  const after = await probe(scratch);
  const locks = relationLocks(after.locks, atStart);
  const newLocks = locks.filter(
    (lock) =>
      !earlier.some((profile) => profile.locks.some((l) => l.relation === lock.relation && l.mode === lock.mode)),
  );
  const work = workDone(atStart, before.relations, after.relations, sizes);
  for (const [oid, count] of after.scans) {
    const table = atStart.get(oid);
    if (!table || count <= (before.scans.get(oid) ?? 0) || work.some((w) => w.table === table.name)) continue;
    work.push({ table: table.name, kind: "scan", sampleBytes: sizes.get(oid) ?? 0 });
  }
  const profile: StatementProfile = {
    position: statement.position,
    sql: statement.sql,
    inTransaction: true,
    locks: newLocks,
    held: strongestPerTable(locks),
    work,
    waitedFor: [],
    durationMs,
  };
  return [profile, after];
}

/** A statement that cannot run in a transaction (CONCURRENTLY): watched from outside while a snapshot is held open. */
async function measureAlone(
  scratch: pg.Client,
  statement: Numbered,
  atStart: Map<number, Relation>,
  sizes: Map<number, number>,
): Promise<StatementProfile> {
  const pid = (await scratch.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
  const observer = new pg.Client({ ...sameServer(scratch), database: scratch.database });
  const snapshotHolder = new pg.Client({ ...sameServer(scratch), database: scratch.database });
  for (const client of [observer, snapshotHolder]) client.on("error", () => {});
  await observer.connect();
  await snapshotHolder.connect();
  try {
    // An open REPEATABLE READ transaction that touched no table: what an application's report looks like.
    await snapshotHolder.query("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
    const seen: LockRow[] = [];
    let running = true;
    let released = false;
    const watch = (async () => {
      while (running) {
        const rows = (await observer.query(LOCKS, [pid])).rows as LockRow[];
        seen.push(...rows);
        if (!released && rows.some((row) => !row.granted)) {
          released = true;
          await snapshotHolder.query("COMMIT");
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const started = performance.now();
    try {
      await scratch.query(statement.sql);
    } finally {
      running = false;
      await watch;
    }
    const durationMs = performance.now() - started;
    const after = await relations(scratch);
    const locks = relationLocks(
      seen.filter((row) => row.granted),
      atStart,
    );
    return {
      position: statement.position,
      sql: statement.sql,
      inTransaction: false,
      locks,
      held: strongestPerTable(locks),
      work: workDone(atStart, atStart, after, sizes),
      waitedFor: [...new Set(seen.filter((row) => !row.granted).map((row) => row.locktype))],
      durationMs,
    };
  } finally {
    await snapshotHolder.end().catch(() => {});
    await observer.end().catch(() => {});
  }
}

interface LockRow {
  oid: number | null;
  mode: string;
  granted: boolean;
  locktype: string;
}

/** Granted relation locks on relations that existed at the start, strongest mode per relation. */
function relationLocks(rows: LockRow[], atStart: Map<number, Relation>): StatementProfile["locks"] {
  const strongest = new Map<number, LockMode>();
  for (const row of rows) {
    if (!row.granted || row.oid === null || !isLockMode(row.mode) || !atStart.has(Number(row.oid))) continue;
    strongest.set(Number(row.oid), strongerMode(strongest.get(Number(row.oid)), row.mode));
  }
  return [...strongest].map(([oid, mode]) => {
    const relation = atStart.get(oid) as Relation;
    return { relation: relation.name, table: atStart.get(relation.tableOid)?.name ?? relation.name, mode };
  });
}

function strongestPerTable(locks: { table: string; mode: LockMode }[]): { table: string; mode: LockMode }[] {
  const held = new Map<string, LockMode>();
  for (const lock of locks) held.set(lock.table, strongerMode(held.get(lock.table), lock.mode));
  return [...held].map(([table, mode]) => ({ table, mode }));
}

/**
 * Rewrites (a pre-existing table or index got new storage) and index builds (an index of a
 * pre-existing table appeared with storage no relation had before: CREATE INDEX, or an index
 * ALTER COLUMN TYPE recreated; one that kept its storage under a new OID was not rebuilt).
 */
function workDone(
  atStart: Map<number, Relation>,
  before: Map<number, Relation>,
  after: Map<number, Relation>,
  sizes: Map<number, number>,
): TableWork[] {
  const work: TableWork[] = [];
  const oldStorage = new Set([...before.values()].map((relation) => relation.filenode));
  const rewritten = new Set<number>();
  for (const relation of after.values()) {
    const table = atStart.get(relation.tableOid);
    if (!table) continue;
    const previous = before.get(relation.oid);
    const isIndex = relation.kind === "i";
    if (!isIndex && previous && previous.filenode !== relation.filenode) {
      rewritten.add(relation.oid);
      work.push({ table: table.name, kind: "rewrite", sampleBytes: sizes.get(table.oid) ?? 0 });
    }
    if (isIndex && !rewritten.has(relation.tableOid)) {
      const rebuilt = previous ? previous.filenode !== relation.filenode : !oldStorage.has(relation.filenode);
      if (rebuilt)
        work.push({
          table: table.name,
          kind: "index-build",
          index: relation.name,
          sampleBytes: sizes.get(table.oid) ?? 0,
        });
    }
  }
  // A rewrite rebuilds the table's indexes too: the rewrite says it all.
  return work.filter((w) => w.kind !== "index-build" || !work.some((r) => r.kind === "rewrite" && r.table === w.table));
}

async function relations(client: pg.ClientBase): Promise<Map<number, Relation>> {
  return toRelations((await client.query<Relation>(RELATIONS)).rows);
}

function toRelations(rows: Relation[]): Map<number, Relation> {
  return new Map(
    rows.map((row) => [
      Number(row.oid),
      { ...row, oid: Number(row.oid), filenode: Number(row.filenode), tableOid: Number(row.tableOid) },
    ]),
  );
}

async function tableSizes(client: pg.ClientBase): Promise<Map<number, number>> {
  const { rows } = await client.query<{ oid: string; bytes: string }>(SIZES);
  return new Map(rows.map((row) => [Number(row.oid), Number(row.bytes)]));
}
