import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { describeSchema, type SchemaDescription } from "./catalog";
import { alignEquivalentDefinitions } from "./equivalent-definitions";
import { ExitCode, MigrateError } from "./errors";
import { migrate } from "./migrate";
import { readPlan } from "./pending-sql";
import { diffSchemas } from "./schema-diff";

// "What should this database look like?" is answered by running the committed migrations, not
// by a stored snapshot: a scratch database on the same server (so the same PostgreSQL version,
// collations and extensions) gets the migrations up to a point, and its catalog is the answer.

/** Where to build the expected schema and how far. */
export interface ExpectedSchemaOptions {
  /** A connected client on the target server; the scratch database is created through it, with its credentials. */
  client: pg.Client;
  /** A drizzle-kit migrations folder. */
  folder: string;
  /** The last migration to apply, or null for none (an empty schema). */
  to: string | null;
  /** The schema to describe (default `public`). */
  schema?: string;
}

/**
 * Runs `fn` with a scratch database holding the schema the migrations up to and including `to`
 * produce, and that schema's description; the scratch database is dropped after.
 */
async function withExpectedSchema<T>(
  options: ExpectedSchemaOptions,
  fn: (scratch: pg.Client, expected: SchemaDescription) => Promise<T>,
): Promise<T> {
  return withScratchDatabase(options.client, async (scratch) => {
    if (options.to !== null) await migrate({ client: scratch, folder: options.folder, to: options.to });
    return fn(scratch, await describeSchema(scratch, options.schema));
  });
}

/** How a live schema compares with the migrations' schema. */
export interface SchemaDrift {
  /** The last migration the expected schema includes, or null for none. */
  through: string | null;
  /** Every difference, one sentence each (see `diffSchemas`); empty when they match. */
  differences: string[];
  /** Objects left out of the comparison on purpose, e.g. golang-migrate's `schema_migrations`. */
  ignored: string[];
}

export interface SchemaDriftOptions {
  client: pg.Client;
  folder: string;
  /** Compare with the migrations up to this one (null: none); default: the last one the ledger records as applied. */
  to?: string | null;
  schema?: string;
}

/**
 * Compares the live schema with what the migrations up to `to` produce. Read-only on the target
 * (no lock, no ledger writes); needs the right to CREATE DATABASE for the scratch copy.
 * `up` can call it after migrating (to defaults to what is now applied) to prove the result.
 */
export async function schemaDrift(options: SchemaDriftOptions): Promise<SchemaDrift> {
  const through =
    options.to !== undefined
      ? options.to
      : ((await readPlan(options.client, options.folder)).plan.applied.at(-1)?.name ?? null);
  const live = await describeSchema(options.client, options.schema);
  return withExpectedSchema({ ...options, to: through }, async (scratch, expected) => {
    const { actual, ignored } = withoutForeignLedgers(expected, live);
    const aligned = await alignEquivalentDefinitions(scratch, expected, actual);
    return { through, differences: diffSchemas(expected, aligned), ignored };
  });
}

/** A refusal because the live schema differs from the migrations' schema; `differences` lists why. */
export class SchemaDriftError extends MigrateError {
  constructor(
    code: string,
    summary: string,
    readonly differences: string[],
  ) {
    super(code, [summary, ...differences.map((difference) => `  - ${difference}`)].join("\n"), ExitCode.integrity);
    this.name = "SchemaDriftError";
  }
}

/**
 * The live description without history tables other migration tools keep in `public` (today
 * golang-migrate's `schema_migrations (version bigint, dirty boolean)`), unless the migrations
 * themselves create a table of that name.
 */
export function withoutForeignLedgers(
  expected: SchemaDescription,
  live: SchemaDescription,
): { actual: SchemaDescription; ignored: string[] } {
  const tables = { ...live.tables };
  const ignored: string[] = [];
  const golangMigrate = tables.schema_migrations;
  if (
    golangMigrate &&
    !expected.tables.schema_migrations &&
    Object.keys(golangMigrate.columns).sort().join(",") === "dirty,version"
  ) {
    delete tables.schema_migrations;
    ignored.push("table schema_migrations (golang-migrate's history)");
  }
  return { actual: { ...live, tables }, ignored };
}

/**
 * Runs `fn` with a client on a new, empty database `migrator_verify_<random>` created on the
 * client's server (from template0, so nothing a DBA added to template1 shows up), and drops it
 * afterwards whatever happens.
 */
export async function withScratchDatabase<T>(client: pg.Client, fn: (scratch: pg.Client) => Promise<T>): Promise<T> {
  const name = `migrator_verify_${randomBytes(6).toString("hex")}`;
  try {
    await client.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
  } catch (error) {
    if ((error as { code?: string }).code === "42501") {
      const role = client.user ?? "the migrator's role";
      throw new MigrateError(
        "createdb-denied",
        `Comparing schemas needs a scratch database, but ${role} may not create databases: grant it the CREATEDB privilege (ALTER ROLE "${role}" CREATEDB) or run this with a role that has it.`,
        ExitCode.usage,
        { cause: error },
      );
    }
    throw error;
  }
  let failed = false;
  try {
    const scratch = new pg.Client({
      ...sameServer(client),
      database: name,
      application_name: "devtools-sync-migrator",
    });
    scratch.on("error", () => {});
    await scratch.connect();
    try {
      return await fn(scratch);
    } finally {
      await scratch.end().catch(() => {});
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await dropScratchDatabase(client, name).catch((error) => {
      // Keep the first failure; otherwise say what was left behind.
      if (!failed) {
        throw new MigrateError(
          "scratch-drop-failed",
          `Could not drop the scratch database ${name}: ${(error as Error).message}; drop it by hand.`,
          ExitCode.failure,
          { cause: error },
        );
      }
    });
  }
}

// Sessions still in a scratch database when it is dropped: our own connection, still exiting, an
// autovacuum worker, or a superuser's session (monitoring, a backup tool) that the migrating role
// may not end. The drop waits them out: PostgreSQL itself waits 5 s for ended sessions to leave.
const DROP_TRIES = 10;
const DROP_PAUSE_MS = 500;
const STILL_IN_USE = new Set(["55006", "42501"]); // object_in_use; may not terminate that session

async function dropScratchDatabase(client: pg.Client, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return;
    } catch (error) {
      if (attempt === DROP_TRIES || !STILL_IN_USE.has((error as { code?: string }).code ?? "")) throw error;
      await sleep(DROP_PAUSE_MS);
    }
  }
}

/** Connection settings of `client` (host, port, user, password, TLS) for another database on its server. */
export function sameServer(client: pg.Client): pg.ClientConfig {
  const parameters = (client as unknown as { connectionParameters?: { ssl?: pg.ClientConfig["ssl"] } })
    .connectionParameters;
  const config: pg.ClientConfig = { host: client.host, port: client.port };
  if (client.user !== undefined) config.user = client.user;
  if (client.password !== undefined) config.password = client.password;
  if (parameters?.ssl !== undefined) config.ssl = parameters.ssl;
  return config;
}
