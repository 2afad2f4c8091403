import { fileURLToPath } from "node:url";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { databaseUrl, startLocalPostgres, withClient } from "@devtools-sync/local-postgres";
import { migrate } from "@devtools-sync/migrate-core";
import { loadScaleData, type TableLoad } from "./data/load";
import type { ScalePlan } from "./data/plan";

const dataDir = fileURLToPath(new URL("../../../.data/bench-postgres", import.meta.url));

/** Settings for a server that holds a few GB: the defaults (128 MB of buffers) suit a laptop's dev database. */
const SERVER_SETTINGS = { shared_buffers: "1GB", max_wal_size: "4GB", maintenance_work_mem: "256MB" };

/**
 * The superuser URL of the server to bench on: `url` when given, else a local PostgreSQL kept in
 * `.data/bench-postgres` (started now, or attached to when already running). `stop` stops it only
 * if this process started it.
 */
export async function benchServer(url: string | undefined): Promise<{ url: string; stop: () => Promise<void> }> {
  if (url) return { url, stop: async () => {} };
  const options = { dataDir, port: 0, auth: "trust", persistent: true } as const;
  let server = await startLocalPostgres(options);
  const current = await withClient(server.url, (client) => client.query("SHOW shared_buffers"));
  if (server.startedHere && current.rows[0].shared_buffers !== SERVER_SETTINGS.shared_buffers) {
    await withClient(server.url, async (client) => {
      for (const [name, value] of Object.entries(SERVER_SETTINGS))
        await client.query(`ALTER SYSTEM SET ${name} = '${value}'`);
    });
    await server.stop();
    server = await startLocalPostgres(options);
  }
  return { url: server.url, stop: () => server.stop() };
}

/** The database holding scale `scale`'s data, e.g. `bench_scale_0_01`. */
export function dataDatabaseName(scale: number): string {
  return `bench_scale_${String(scale).replace(/\W/g, "_")}`;
}

const LOADED_MARK = "devtools-sync bench data anchored at ";

/**
 * The time the scale's data was generated around (heartbeats just before it), or `undefined` when
 * the database is missing or its load did not finish.
 */
export async function loadedAt(serverUrl: string, scale: number): Promise<Date | undefined> {
  const { rows } = await withClient(serverUrl, (client) =>
    client.query("SELECT shobj_description(oid, 'pg_database') AS mark FROM pg_database WHERE datname = $1", [
      dataDatabaseName(scale),
    ]),
  );
  const mark: string | undefined = rows[0]?.mark;
  return mark?.startsWith(LOADED_MARK) ? new Date(mark.slice(LOADED_MARK.length)) : undefined;
}

/** (Re)creates the scale's database, applies every migration with the migrator and loads the data. */
export async function createDataDatabase(
  serverUrl: string,
  plan: ScalePlan,
  now: Date,
  progress: (line: string) => void,
): Promise<TableLoad[]> {
  const name = dataDatabaseName(plan.scale);
  await withClient(serverUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
  const url = databaseUrl(serverUrl, name);
  await withClient(url, (client) => migrate({ client, folder: migrationsFolder }));
  const loads = await loadScaleData(url, plan, now, progress);
  await withClient(serverUrl, (client) =>
    client.query(`COMMENT ON DATABASE "${name}" IS '${LOADED_MARK}${now.toISOString()}'`),
  );
  return loads;
}

/**
 * A throwaway copy of the scale's database (`CREATE DATABASE … TEMPLATE`; or of `template`, another
 * database of the server holding the same data, e.g. one already migrated), so that a run's writes
 * and migrations never change the loaded data, brought up to the committed migrations by the
 * migrator (data loaded before a migration landed is benched on the schema as it is now, as a
 * production database would be), unless `upToDate` is false (the history bench walks the copy
 * down from whatever it holds). `drop` removes it; `migrated` names what was applied to it.
 */
export async function cloneDataDatabase(
  serverUrl: string,
  scale: number,
  upToDate = true,
  template = dataDatabaseName(scale),
): Promise<{ url: string; migrated: string[]; drop: () => Promise<void> }> {
  const name = `${dataDatabaseName(scale)}_run_${process.pid}`;
  await withClient(serverUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    // FILE_COPY (PostgreSQL 15+) copies the files instead of logging every page: minutes faster at scale 1.
    const fileCopy = Number((await client.query("SHOW server_version_num")).rows[0].server_version_num) >= 150000;
    await client.query(
      `CREATE DATABASE "${name}" TEMPLATE "${template.replaceAll('"', '""')}"${fileCopy ? " STRATEGY FILE_COPY" : ""}`,
    );
  });
  const url = databaseUrl(serverUrl, name);
  const { applied } = upToDate
    ? await withClient(url, (client) => migrate({ client, folder: migrationsFolder }))
    : { applied: [] };
  return {
    url,
    migrated: applied,
    drop: () =>
      withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

/**
 * The scale's data, loaded now (anchored at `now`) unless an earlier load finished: the time its
 * rows were generated around, and how the load went when it ran here.
 */
export async function ensureDataDatabase(
  serverUrl: string,
  plan: ScalePlan,
  now: Date,
  progress: (line: string) => void,
): Promise<{ anchor: Date; load: TableLoad[] | null }> {
  const anchor = await loadedAt(serverUrl, plan.scale);
  if (anchor) return { anchor, load: null };
  progress(`loading scale ${plan.scale}`);
  return { anchor: now, load: await createDataDatabase(serverUrl, plan, now, progress) };
}
