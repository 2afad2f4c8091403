import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { withClient } from "@devtools-sync/local-postgres";
import { type LockPlan, migrate, planLocks } from "@devtools-sync/migrate-core";
import pg from "pg";
import type { ScalePlan } from "./data/plan";
import { type LoadSample, latencyBetween, type PhaseLatency, startLoad } from "./load-generator";

const liveMigrationsFolder = fileURLToPath(new URL("../live-migrations", import.meta.url));

/** One migration's window, in ms since the load started. */
export interface MigrationWindow {
  name: string;
  start: number;
  end: number;
}

export interface LiveMigrationResult {
  lockTimeoutMs: number;
  connections: number;
  ratePerSecond: number;
  batchSize: number;
  /** How long a reader held ACCESS SHARE on reports (an open transaction) when the migrations started. */
  blockerMs: number;
  /** The migrator's lock plan of the live migrations, measured and estimated against this database before they ran. */
  lockPlan: LockPlan;
  migrations: MigrationWindow[];
  lockTimeoutRetries: number;
  phases: Record<"before" | "during" | "after", PhaseLatency>;
  /** p99 during the migrations divided by p99 before them (target: at most 2). */
  p99Ratio: number;
  /** Slowest application query during the migrations, against the migrator's lock_timeout. */
  slowestDuringMs: number;
  failures: string[];
  samples: LoadSample[];
}

export interface LiveMigrationOptions {
  url: string;
  plan: ScalePlan;
  now: Date;
  /** Seconds of load before and after the migrations. */
  steadySeconds: number;
  connections: number;
  ratePerSecond: number;
  batchSize: number;
  lockTimeoutMs: number;
  /** A reader keeps a transaction open on reports this long after the migrations start, so the migrator must wait. */
  blockerMs: number;
}

/** `packages/db/migrations` plus the `.sql` files of `extraFolder` appended to its journal, in a temp folder. */
export async function migrationsWith(extraFolder: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "bench-migrations-"));
  await cp(migrationsFolder, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8")) as {
    entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
  };
  const last = journal.entries.at(-1);
  const files = (await readdir(extraFolder)).filter((file) => file.endsWith(".sql")).sort();
  for (const [i, file] of files.entries()) {
    await cp(join(extraFolder, file), join(folder, file));
    journal.entries.push({
      idx: journal.entries.length,
      version: "7",
      when: (last?.when ?? 0) + 1000 * (i + 1),
      tag: file.replace(/\.sql$/, ""),
      breakpoints: true,
    });
  }
  await writeFile(journalPath, JSON.stringify(journal, null, 2));
  return folder;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A report that reads `reports` in a transaction left open for `ms`: the first migration's
 * ACCESS EXCLUSIVE request waits behind it, and the application's queries queue behind that
 * request for at most the migrator's lock_timeout each time. Returns once the transaction is
 * open, with a promise of its end.
 */
async function holdReports(url: string, ms: number): Promise<{ released: Promise<void> }> {
  if (ms <= 0) return { released: Promise.resolve() };
  const reader = new pg.Client({ connectionString: url, application_name: "bench-long-report" });
  await reader.connect();
  await reader.query("BEGIN; SELECT 1 FROM reports LIMIT 1");
  const released = sleep(ms).then(async () => {
    await reader.query("COMMIT");
    await reader.end();
  });
  return { released };
}

/**
 * Runs the load generator for `steadySeconds`, applies the live migrations with the real migrator
 * while it keeps writing, then lets it run `steadySeconds` more; returns the latencies by phase.
 */
export async function runLiveMigration(options: LiveMigrationOptions): Promise<LiveMigrationResult> {
  const folder = await migrationsWith(liveMigrationsFolder);
  const lockPlan = await withClient(options.url, (client) => planLocks({ client, folder }));
  const load = startLoad(options);
  const since = () => performance.now() - load.startedAt;
  const migrations: MigrationWindow[] = [];
  let retries = 0;
  let samples: LoadSample[] = [];
  let migrationStart = 0;
  let migrationEnd = 0;
  const client = new pg.Client({ connectionString: options.url });
  try {
    await sleep(options.steadySeconds * 1000);
    await client.connect();
    const reader = await holdReports(options.url, options.blockerMs);
    migrationStart = since();
    await migrate({
      client,
      folder,
      lockTimeoutMs: options.lockTimeoutMs,
      onEvent: (event) => {
        // A retried migration keeps the window of its first attempt: the wait is part of it.
        if (event.type === "migration-start" && !migrations.some((m) => m.name === event.name)) {
          migrations.push({ name: event.name, start: since(), end: Number.NaN });
        }
        if (event.type === "migration-done") {
          const window = migrations.findLast((m) => m.name === event.name);
          if (window) window.end = since();
        }
        if (event.type === "lock-timeout-retry") retries++;
      },
    });
    migrationEnd = since();
    await reader.released;
    await sleep(options.steadySeconds * 1000);
  } finally {
    samples = await load.stop();
    await client.end();
    await rm(folder, { recursive: true, force: true });
  }
  const phase = (from: number, to: number) => latencyBetween(samples, from, to);
  const phases = {
    before: phase(0, migrationStart),
    during: phase(migrationStart, migrationEnd),
    after: phase(migrationEnd, Number.POSITIVE_INFINITY),
  };
  return {
    lockTimeoutMs: options.lockTimeoutMs,
    connections: options.connections,
    ratePerSecond: options.ratePerSecond,
    batchSize: options.batchSize,
    blockerMs: options.blockerMs,
    lockPlan,
    migrations,
    lockTimeoutRetries: retries,
    phases,
    p99Ratio: phases.before.p99 > 0 ? Math.round((100 * phases.during.p99) / phases.before.p99) / 100 : 0,
    slowestDuringMs: phases.during.max,
    failures: [...new Set(samples.flatMap((sample) => (sample.error ? [sample.error] : [])))],
    samples,
  };
}
