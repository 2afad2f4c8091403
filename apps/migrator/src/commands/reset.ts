import { ExitCode, MigrateError } from "@devtools-sync/migrate-core";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { LOCAL_DATABASE, startLocalServer, withConnection } from "../connection";
import type { Reporter } from "../output";
import { type DatabaseTarget, onDatabase, parseTarget } from "../target";
import { developmentTarget, type SeedResult, seed } from "./seed";
import { up } from "./up";

/** What `reset` did: the migrations applied to the new database and the rows seeded. */
export interface ResetResult {
  database: string;
  applied: string[];
  inserted: SeedResult;
}

/**
 * Drops the development database, creates it empty, applies every migration and loads the
 * development data (Prisma's `migrate reset`). Refused, before connecting, unless the target counts
 * as development for `seed` too; unlike `seed`, no flag overrides that, since this drops everything.
 */
export async function reset(
  config: MigratorConfig,
  reporter: Reporter,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResetResult> {
  const verdict = developmentTarget(config.target, env);
  if (!verdict.development) {
    throw new MigrateError(
      "not-development",
      `Refusing to reset ${config.target?.display ?? "the local PostgreSQL"}: not a development database (${verdict.reason}); reset drops the whole database, so nothing overrides this.`,
      ExitCode.usage,
    );
  }
  if (config.target) return resetTarget(config, config.target, reporter);
  // The local server is started once for the three steps, which then name its database explicitly.
  const server = await startLocalServer(config);
  try {
    const target = onDatabase(parseTarget(server.url), LOCAL_DATABASE);
    reporter.usingLocalDatabase(target.url, config.dataDir);
    return await resetTarget(config, target, reporter);
  } finally {
    await server.stop();
  }
}

async function resetTarget(config: MigratorConfig, target: DatabaseTarget, reporter: Reporter): Promise<ResetResult> {
  await recreateDatabase(config, target, reporter);
  // A new, empty database holds exactly what the migrations create: nothing to compare.
  const { applied } = await up({ ...config, target }, reporter, { verify: "never" });
  // Judged once, above: the embedded server's database is now named by URL, which alone would not count.
  const inserted = await seed({ ...config, target }, reporter, { force: true });
  return { database: target.display, applied, inserted };
}

/**
 * Drops and creates `target`'s database from the server's maintenance database `postgres`. Checks
 * first that the role may create databases, so a refusal never leaves the database dropped.
 */
async function recreateDatabase(config: MigratorConfig, target: DatabaseTarget, reporter: Reporter): Promise<void> {
  if (target.database === "postgres") {
    throw new MigrateError(
      "reset-maintenance-database",
      `Refusing to reset ${target.display}: postgres is the server's maintenance database; point DATABASE_URL at the development database.`,
      ExitCode.usage,
    );
  }
  // The same server and role, on its maintenance database: one cannot drop the database one is in.
  const server = { ...config, target: onDatabase(target, "postgres") };
  await withConnection(server, reporter, async (client) => {
    const { rows } = await client.query(
      "SELECT rolsuper OR rolcreatedb AS may_create FROM pg_roles WHERE rolname = current_user",
    );
    if (!rows[0]?.may_create) {
      throw new MigrateError(
        "reset-needs-createdb",
        `Cannot reset ${target.display}: role ${target.user} may not create databases; grant it CREATEDB (or reset as a role that has it). Nothing was dropped.`,
        ExitCode.usage,
      );
    }
    const name = client.escapeIdentifier(target.database);
    // WITH (FORCE) ends the sessions still open on it (a studio, a test run), PostgreSQL 13+.
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  });
}

export const resetCommand = defineCommand({
  name: "reset",
  summary:
    "Drop the development database, create it empty, apply every migration and load the development data. " +
    "Refused for any database that is not a development one (as seed decides; no --force); the role needs CREATEDB.",
  flags: {},
  async run(config, reporter) {
    const result = await reset(config, reporter);
    const rows = Object.values(result.inserted).reduce((sum, n) => sum + n, 0);
    reporter.result(`Reset ${result.database}: applied ${result.applied.length} migration(s), seeded ${rows} row(s).`, {
      command: "reset",
      ...result,
    });
    return ExitCode.ok;
  },
});
