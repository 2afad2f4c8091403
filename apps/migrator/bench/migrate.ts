// Whole-process timings of the migrator against a local PostgreSQL, side by side with the floors
// it competes with, in one run: `psql -f` of the same SQL, and `node -e ''`. Run: pnpm bench.
import { spawnSync } from "node:child_process";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { startLocalPostgres } from "@devtools-sync/local-postgres";
import { writeMigrationsFolder } from "@devtools-sync/migrate-core/testing";
import { build } from "esbuild";
import pg from "pg";
import { nodeBundleOptions } from "../bundle";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const cli = join(import.meta.dirname, "..", "dist", "cli.js");

const scratch = await mkdtemp(join(tmpdir(), "migrator-bench-"));
await chmod(scratch, 0o755);
const server = await startLocalPostgres({ dataDir: join(scratch, "pg"), port: 0, auth: "trust", persistent: false });
let databases = 0;

try {
  const realSql = await concatenatedSql(migrationsFolder);
  const small = await syntheticFolder("small", 10);
  const large = await syntheticFolder("large", 500);
  const [smallDb, largeDb, migratedDb] = [await createDatabase(), await createDatabase(), await createDatabase()];
  run("node", [cli, "up", "--database-url", smallDb, "--migrations-dir", small]);
  run("node", [cli, "up", "--database-url", largeDb, "--migrations-dir", large]);
  run("node", [cli, "up", "--database-url", migratedDb, "--migrations-dir", migrationsFolder]);
  const hasPsql = spawnSync("psql", ["--version"]).status === 0;
  const pgFloor = await pgFloorScript();
  const committedCount = JSON.parse(await readFile(join(migrationsFolder, "meta", "_journal.json"), "utf8")).entries
    .length;

  const samples: Record<string, number[]> = {};
  const time = async (name: string, prepare: () => Promise<string[]>, command: string) => {
    const args = await prepare();
    const started = performance.now();
    run(command, args);
    const elapsed = performance.now() - started;
    samples[name] = [...(samples[name] ?? []), elapsed];
  };
  // Interleaved rounds: every measurement sees the same machine noise.
  for (let round = 0; round < ROUNDS; round++) {
    if (hasPsql) {
      await time(
        "psql -f (floor)",
        async () => ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", realSql, await createDatabase()],
        "psql",
      );
    }
    await time("migrator up, fresh", async () => [cli, "up", "--database-url", await createDatabase()], "node");
    await time(
      "migrator down, all",
      async () => {
        const url = await createDatabase();
        run("node", [cli, "up", "--database-url", url]);
        return [cli, "down", "--database-url", url, "--steps", String(committedCount), "--allow-data-loss"];
      },
      "node",
    );
    await time("node -e '' (floor)", async () => ["-e", ""], "node");
    await time("node + pg SELECT 1", async () => [pgFloor, migratedDb], "node");
    await time("migrator up, no-op", async () => [cli, "up", "--database-url", migratedDb], "node");
    await time(
      "no-op, 10 migrations",
      async () => [cli, "up", "--database-url", smallDb, "--migrations-dir", small],
      "node",
    );
    await time(
      "no-op, 500 migrations",
      async () => [cli, "up", "--database-url", largeDb, "--migrations-dir", large],
      "node",
    );
  }

  const median = (name: string) => {
    const sorted = [...(samples[name] ?? [])].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  console.log(`\nmedian of ${ROUNDS} interleaved rounds, whole process, local PostgreSQL ${await serverVersion()}:`);
  for (const name of Object.keys(samples))
    console.log(`  ${name.padEnd(24)} ${median(name).toFixed(1).padStart(8)} ms`);
  const ratio = (a: string, b: string, target: number) => {
    const value = median(a) / median(b);
    console.log(
      `  ${`${a} / ${b}`.padEnd(52)} ${value.toFixed(2)}x  (target ≤ ${target}x) ${value <= target ? "ok" : "MISSED"}`,
    );
  };
  console.log("\nratios:");
  if (hasPsql) ratio("migrator up, fresh", "psql -f (floor)", 2.0);
  else console.log("  (psql not installed: the fresh-apply floor was not measured)");
  ratio("migrator up, no-op", "node -e '' (floor)", 1.3);
  console.log(
    `  (of which a bundled pg that connects and runs SELECT 1 is ${(median("node + pg SELECT 1") / median("node -e '' (floor)")).toFixed(2)}x: the floor of any Node migrator)`,
  );
  ratio("migrator down, all", "migrator up, fresh", 1.5);
  ratio("no-op, 500 migrations", "no-op, 10 migrations", 1.5);
} finally {
  await server.stop();
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: "utf8", env: { ...process.env, DATABASE_URL: "" } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
}

async function createDatabase(): Promise<string> {
  const name = `bench_${++databases}`;
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function serverVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const { rows } = await client.query("SHOW server_version");
  await client.end();
  return rows[0].server_version;
}

/** Every migration's SQL in one file, as psql would apply it. */
async function concatenatedSql(folder: string): Promise<string> {
  const journal = JSON.parse(await readFile(join(folder, "meta", "_journal.json"), "utf8"));
  const parts: string[] = [];
  for (const entry of journal.entries) {
    parts.push((await readFile(join(folder, `${entry.tag}.sql`), "utf8")).replaceAll("--> statement-breakpoint", ""));
  }
  const file = join(scratch, "all.sql");
  await writeFile(file, parts.join(";\n"));
  return file;
}

/** The least a Node program that talks to PostgreSQL does: pg bundled like the migrator, connect, SELECT 1. */
async function pgFloorScript(): Promise<string> {
  const outfile = join(scratch, "pg-floor.mjs");
  await build({
    ...nodeBundleOptions,
    stdin: {
      contents: `import pg from "pg";
        const client = new pg.Client({ connectionString: process.argv[2] });
        await client.connect();
        await client.query("SELECT 1");
        await client.end();`,
      resolveDir: import.meta.dirname,
    },
    outfile,
  });
  return outfile;
}

/** A drizzle-kit style folder of `count` one-table migrations. */
function syntheticFolder(name: string, count: number): Promise<string> {
  return writeMigrationsFolder(
    join(scratch, name),
    Array.from({ length: count }, (_, i) => ({
      tag: `${String(i).padStart(4, "0")}_create_t${i}`,
      sql: `CREATE TABLE "t${i}" ("id" integer PRIMARY KEY);`,
    })),
  );
}
