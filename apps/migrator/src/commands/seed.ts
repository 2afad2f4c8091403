import { groupRoles } from "@devtools-sync/db/roles";
import { ExitCode, inTransaction, MigrateError, pendingMigrations } from "@devtools-sync/migrate-core";
import type pg from "pg";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import type { Reporter } from "../output";
import { seedTables } from "../seed-data";
import type { DatabaseTarget } from "../target";

/** How a database's own name says it is a development one; `devtools_sync`, the production name, does not. */
const DEVELOPMENT_NAME = /_(dev|test)$/;

/**
 * Whether a target counts as a development database, and why. Development means one of:
 * - no database URL: the embedded PostgreSQL in .data/postgres, which the migrator starts itself;
 * - MIGRATOR_ENV=development AND a database named `*_dev` or `*_test`: the run says so and the
 *   database says so, so neither a stray MIGRATOR_ENV nor a name alone is enough, and a database
 *   named `devtools_sync` (production's name) never counts.
 * The host counts for nothing: a tunnel on 127.0.0.1 or a socket proxy (/cloudsql/…) reaches
 * production as readily as a remote name. MIGRATOR_ENV set to anything else refuses even the embedded one.
 */
export function developmentTarget(
  target: DatabaseTarget | undefined,
  env: NodeJS.ProcessEnv,
): { development: boolean; reason: string } {
  const declared = env.MIGRATOR_ENV?.trim();
  if (declared && declared !== "development") {
    return { development: false, reason: `MIGRATOR_ENV is ${declared}` };
  }
  if (target === undefined) return { development: true, reason: "the embedded PostgreSQL" };
  const named = DEVELOPMENT_NAME.test(target.database);
  if (declared === "development" && named) {
    return { development: true, reason: `MIGRATOR_ENV=development and database ${target.database}` };
  }
  const missing = [
    declared === "development" ? "" : "MIGRATOR_ENV=development is not set",
    named ? "" : `the database name ${target.database} does not end in _dev or _test`,
  ];
  return { development: false, reason: missing.filter(Boolean).join(" and ") };
}

/** Rows inserted per table; 0 where the row was there already. */
export type SeedResult = Record<string, number>;

export interface SeedOptions {
  /** Seed even a database that does not count as development. */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads the development data (seed-data.ts) in one transaction. Idempotent: a row whose id or
 * unique key is present is left as it is (ON CONFLICT DO NOTHING), so a second run inserts nothing.
 * Refuses, before connecting, a database that is not a development one (see `developmentTarget`)
 * unless `force`, and a database with pending migrations.
 */
export async function seed(config: MigratorConfig, reporter: Reporter, options: SeedOptions = {}): Promise<SeedResult> {
  const target = developmentTarget(config.target, options.env ?? process.env);
  if (!target.development && !options.force) {
    throw new MigrateError(
      "not-development",
      `Refusing to seed ${config.target?.display ?? "the local PostgreSQL"}: not a development database (${target.reason}); pass --force to seed it anyway.`,
      ExitCode.usage,
    );
  }
  return withConnection(
    config,
    reporter,
    async (client) => {
      const pending = await pendingMigrations({ client, folder: config.migrationsDir });
      if (pending.length > 0) {
        throw new MigrateError(
          "pending-migrations",
          `${pending.length} migration(s) are pending (first ${pending[0]?.name}): run migrator up before migrator seed.`,
          ExitCode.usage,
        );
      }
      return inTransaction(client, async () => {
        await writeAsEveryGroup(client);
        const inserted: SeedResult = {};
        for (const { table, rows } of seedTables()) {
          inserted[table] = 0;
          for (const row of rows) {
            const columns = Object.keys(row);
            const result = await client.query(
              `INSERT INTO "${table}" (${columns.map((column) => `"${column}"`).join(", ")})
             VALUES (${columns.map((_, index) => `$${index + 1}`).join(", ")}) ON CONFLICT DO NOTHING`,
              Object.values(row),
            );
            inserted[table] += result.rowCount ?? 0;
          }
        }
        return inserted;
      });
    },
    { writes: "seed inserts rows" },
  );
}

/**
 * The seed writes every group's rows, which row-level security (forced, so binding the owner too)
 * leaves to superusers and devtools_sync_admin: a migrator role that is neither takes on the
 * admin role for this transaction, or is refused in one line.
 */
async function writeAsEveryGroup(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query(
    "SELECT current_user AS user, rolsuper OR rolbypassrls AS unbound FROM pg_roles WHERE rolname = current_user",
  );
  if (rows[0]?.unbound) return;
  const admin = groupRoles.admin;
  try {
    await client.query(`SET LOCAL ROLE ${admin}`);
  } catch (error) {
    throw new MigrateError(
      "seed-needs-admin",
      `Seeding writes every group's rows, which row-level security allows only a superuser or ${admin}: run GRANT ${admin} TO ${rows[0]?.user}, or seed as a superuser.`,
      ExitCode.usage,
      { cause: error },
    );
  }
}

export const seedCommand = defineCommand({
  name: "seed",
  summary:
    "Load the development data (password devpassword123, API keys devkey-engineering-001, devkey-design-001); idempotent. " +
    "Only into a development database: the embedded one (no DATABASE_URL), or with MIGRATOR_ENV=development " +
    "a database named *_dev or *_test (whatever its host).",
  flags: { force: { type: "boolean", help: "seed a database that is not a development one (see above)" } },
  async run(config, reporter, values) {
    const inserted = await seed(config, reporter, { force: values.force === true });
    const total = Object.values(inserted).reduce((sum, n) => sum + n, 0);
    const summary =
      total === 0
        ? "Development data already present; nothing inserted."
        : `Inserted ${total} development row(s): ${Object.entries(inserted)
            .filter(([, n]) => n > 0)
            .map(([table, n]) => `${n} ${table}`)
            .join(", ")}.`;
    reporter.result(summary, { command: "seed", inserted });
    return ExitCode.ok;
  },
});
