import { migrationsFolder } from "@devtools-sync/db/migrations";
import {
  type LockPlan,
  MigrateError,
  migrate,
  planLocks,
  readMigrations,
  rollback,
  type UpFrontLocks,
  upFrontLocks,
} from "@devtools-sync/migrate-core";
import pg from "pg";
import type { ScalePlan } from "./data/plan";
import { latencyBetween, type PhaseLatency, startLoad } from "./load-generator";

// The committed history's lock plan on real data, next to what the same migrations really took:
// the copy is walked down to the first migration with the migrator's own down migrations, then
// each later migration is, in turn, the pending one: `migrator plan` scores it against the copy
// (as it is at the version before it: sizes, sessions), and the migrator applies it while the
// load generator writes, as in the live-migration bench.

/** One application of a migration under load. */
export interface AppliedUnderLoad {
  /** From the migrator's first start of it to its commit (lock-timeout retries and their pauses included). */
  measuredMs: number;
  /** Why the migrator gave up under load (its lock_timeout through every retry). */
  failedUnderLoad?: string;
  /** With no load, after it failed under load (not when it is tried again with its locks up front). */
  quietMs?: number;
  lockTimeoutRetries: number;
  /** The application's queries while it ran, and in the seconds of load just before it. */
  during: PhaseLatency;
  before: PhaseLatency;
}

/** One committed migration: its plan at the version before it, and its measured application. */
export interface HistoryMigration extends AppliedUnderLoad {
  name: string;
  transactional: boolean;
  /** `planLocks` against the copy just before applying it. */
  lockPlan: LockPlan;
  /** Sum of the plan's estimated scan/rewrite/index-build times of its statements. */
  estimatedMs: number;
  /** Of which, statements whose verdict is blocks reads / blocks writes. */
  estimatedBlockingMs: number;
  /** The locks the migrator took up front (the plan found a lock-cycle risk), or none. */
  upFront?: UpFrontLocks;
  /** With `beforeAfter`: the migration applied as the migrator did before it took locks up front, then with them, `repeat` times (the row's own figures are the last `with`). */
  pairs?: UpFrontPair[];
}

/** The same migration under the same load, without and then with its locks up front. */
export interface UpFrontPair {
  without: AppliedUnderLoad;
  with: AppliedUnderLoad;
}

export interface HistoryResult {
  lockTimeoutMs: number;
  connections: number;
  ratePerSecond: number;
  batchSize: number;
  steadyMs: number;
  sampleRows: number;
  /** Rolled back (latest first) to reach the first migration, and how long that took. */
  rolledBack: string[];
  rollbackMs: number;
  /** The first migration, the one the walk stops at (it creates the tables: nothing to measure). */
  base: string;
  /** The prefixes measured (`only`); every migration when absent. */
  only?: string[];
  beforeAfter: boolean;
  repeat: number;
  migrations: HistoryMigration[];
  failures: string[];
}

export interface HistoryOptions {
  /** A throwaway database with the scale data at the latest migration: it is rolled back and migrated again. */
  url: string;
  plan: ScalePlan;
  now: Date;
  lockTimeoutMs: number;
  /** Load before each migration, to compare its queries with those during it. */
  steadyMs: number;
  connections: number;
  ratePerSecond: number;
  batchSize: number;
  /** Rows written into each table a migration names on its scratch database (the plan's default: 20,000). */
  sampleRows?: number;
  /** Measure only migrations whose name starts with one of these; the others are applied with no load, and the walk stops after the last one. */
  only?: string[];
  /** A migration with a lock-cycle risk is applied twice under load: without its locks up front (rolled back if it got through), then with them. */
  beforeAfter?: boolean;
  /** How many such pairs per migration (rolled back in between; default 1). */
  repeat?: number;
  progress: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Replays the committed migrations on `url` (see above) and returns plan and measurement side by side. */
export async function benchHistory(options: HistoryOptions): Promise<HistoryResult> {
  const migrations = await readMigrations(migrationsFolder);
  const base = migrations[0]?.name;
  if (base === undefined) throw new Error(`no migration in ${migrationsFolder}`);
  const client = new pg.Client({ connectionString: options.url, application_name: "bench-history" });
  await client.connect();
  const failures = new Set<string>();
  try {
    options.progress(`history: rolling back to ${base}`);
    const started = performance.now();
    const { rolledBack } = await rollback({ client, folder: migrationsFolder, to: base, allowDataLoss: true });
    const rollbackMs = performance.now() - started;
    // Fresh statistics for the sizes the plan reads (the down walk rebuilt indexes).
    await client.query("ANALYZE");
    const measured: HistoryMigration[] = [];
    const chosen = (name: string) => options.only?.some((prefix) => name.startsWith(prefix)) ?? true;
    const last = migrations.findLastIndex((migration) => chosen(migration.name));
    for (const [index, migration] of migrations.entries()) {
      if (index === 0 || index > last) continue;
      if (!chosen(migration.name)) {
        await migrate({ client, folder: migrationsFolder, to: migration.name });
        continue;
      }
      const lockPlan = await planLocks({
        client,
        folder: migrationsFolder,
        to: migration.name,
        sampleRows: options.sampleRows,
      });
      const lockUpFront = upFrontLocks(lockPlan.cycles);
      const upFront = lockUpFront.get(migration.name);
      const previous = (migrations[index - 1] as { name: string }).name;
      const backToPrevious = () => rollback({ client, folder: migrationsFolder, to: previous, allowDataLoss: true });
      const underLoad = async (upFrontOrNot: ReadonlyMap<string, UpFrontLocks>, quietIfFailed: boolean) => {
        const { failures: lost, ...applied } = await applyUnderLoad(
          client,
          migration.name,
          options,
          upFrontOrNot,
          quietIfFailed,
        );
        for (const failure of lost) failures.add(failure);
        return applied;
      };
      const pairs: UpFrontPair[] = [];
      const rounds = upFront && options.beforeAfter ? (options.repeat ?? 1) : 0;
      for (let round = 1; round <= rounds; round++) {
        const without = await underLoad(new Map(), false);
        if (!without.failedUnderLoad) await backToPrevious();
        const taken = await underLoad(lockUpFront, true);
        pairs.push({ without, with: taken });
        if (round < rounds) await backToPrevious();
      }
      const applied = pairs.at(-1)?.with ?? (await underLoad(lockUpFront, true));
      const statements = lockPlan.statements;
      const sum = (list: typeof statements) => list.reduce((total, s) => total + (s.estimatedHoldMs ?? 0), 0);
      const row: HistoryMigration = {
        name: migration.name,
        transactional: migration.transactional,
        lockPlan,
        estimatedMs: sum(statements),
        estimatedBlockingMs: sum(statements.filter((s) => s.verdict.startsWith("blocks"))),
        ...(upFront ? { upFront } : {}),
        ...(pairs.length > 0 ? { pairs } : {}),
        ...applied,
      };
      options.progress(
        `history: ${row.name}: estimated ${(row.estimatedMs / 1000).toFixed(2)} s, measured ${(row.measuredMs / 1000).toFixed(2)} s, slowest query during ${row.during.max} ms`,
      );
      measured.push(row);
    }
    return {
      lockTimeoutMs: options.lockTimeoutMs,
      connections: options.connections,
      ratePerSecond: options.ratePerSecond,
      batchSize: options.batchSize,
      steadyMs: options.steadyMs,
      sampleRows: options.sampleRows ?? 20_000,
      rolledBack,
      rollbackMs,
      base,
      ...(options.only ? { only: options.only } : {}),
      beforeAfter: options.beforeAfter ?? false,
      repeat: options.repeat ?? 1,
      migrations: measured,
      failures: [...failures],
    };
  } finally {
    await client.end();
  }
}

/**
 * Applies `name` (the one pending migration) with the migrator while the load generator writes;
 * if it fails under load and `quietIfFailed`, applies it again with no load.
 */
async function applyUnderLoad(
  client: pg.Client,
  name: string,
  options: HistoryOptions,
  lockUpFront: ReadonlyMap<string, UpFrontLocks>,
  quietIfFailed: boolean,
): Promise<AppliedUnderLoad & { failures: string[] }> {
  const load = startLoad(options);
  const since = () => performance.now() - load.startedAt;
  let start = Number.NaN;
  let end = Number.NaN;
  let retries = 0;
  let samples: Awaited<ReturnType<typeof load.stop>> = [];
  let failedUnderLoad: string | undefined;
  try {
    await sleep(options.steadyMs);
    start = since();
    await migrate({
      client,
      folder: migrationsFolder,
      to: name,
      lockTimeoutMs: options.lockTimeoutMs,
      lockUpFront,
      onEvent: (event) => {
        if (event.type === "lock-timeout-retry") retries++;
      },
    }).catch((error: unknown) => {
      if (!(error instanceof MigrateError)) throw error;
      failedUnderLoad = error.message.split("\n")[0];
    });
    end = since();
  } finally {
    samples = await load.stop();
  }
  let quietMs: number | undefined;
  if (failedUnderLoad) options.progress(`history: ${name} failed under load (${failedUnderLoad})`);
  if (failedUnderLoad && quietIfFailed) {
    options.progress(`history: applying ${name} with no load`);
    const started = performance.now();
    await migrate({ client, folder: migrationsFolder, to: name, lockTimeoutMs: options.lockTimeoutMs, lockUpFront });
    quietMs = performance.now() - started;
  }
  const phase = (from: number, to: number) => latencyBetween(samples, from, to);
  return {
    measuredMs: end - start,
    ...(failedUnderLoad ? { failedUnderLoad } : {}),
    ...(quietMs === undefined ? {} : { quietMs }),
    lockTimeoutRetries: retries,
    before: phase(0, start),
    during: phase(start, end),
    failures: samples.flatMap((sample) => (sample.error ? [sample.error] : [])),
  };
}
