import { createHash, randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import { casing } from "./casing";
import { honourSslMode } from "./connection-string";
import * as schema from "./schema";
import { API_KEY_PREFIX_LENGTH, apiKeys, GROUP_SETTING, KEY_HASH_SETTING } from "./schema";
import { searchPathOption } from "./schema-version";

/** A drizzle database over a `pg` pool, with the relational query API for every table. */
export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };

/** A transaction of {@link Database}, as `db.transaction` hands it to its callback. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

export { searchPathOption, versionSchemaName } from "./schema-version";

/** Options passed to the `pg` pool (size, timeouts, TLS), besides the connection string. */
export type PoolOptions = Omit<pg.PoolConfig, "connectionString">;

/** Which schema version the service was built against, during an expand/contract rollout. */
export interface SchemaVersionOption {
  /**
   * The tag of the expand migration whose schema this build expects (e.g. `0013_rename_x_expand`):
   * its connections put that expand's version schema first on `search_path`, so they see the new
   * shape while the previous version still uses the tables. Leave it out otherwise.
   */
  schemaVersion?: string;
}

/**
 * Connects to `url` through a `pg` pool. Column keys are camelCase in TypeScript and snake_case
 * in SQL, as in drizzle.config.ts. Close it with `await db.$client.end()`. A connection the server
 * ends while idle is replaced on the next query (add your own `db.$client.on("error")` to log
 * it). TLS follows the URL's `sslmode` as libpq reads it (see `honourSslMode`).
 */
export function createDb(url: string, { schemaVersion, ...options }: PoolOptions & SchemaVersionOption = {}): Database {
  const searchPath = schemaVersion === undefined ? {} : { options: searchPathOption(schemaVersion) };
  const pool = new pg.Pool({ connectionString: honourSslMode(url), ...options, ...searchPath });
  // An idle connection the server ends (restart, failover, pg_terminate_backend) is dropped by the
  // pool and replaced on the next query; unheard, pg's 'error' event would crash the process.
  pool.on("error", () => {});
  return drizzle(pool, { schema, casing });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `fn` in a transaction bound to group `groupId`: row-level security then admits only that
 * group's rows of the group-scoped tables (agents, api_keys, group_extensions, reports,
 * audit_log, groups), for reads and writes alike. The binding ends with the transaction, so a
 * pooled connection never carries it to the next caller; a `WITH HOLD` cursor, which would carry
 * the group's rows past it, is refused (the transaction rolls back). Outside `withGroup`, the
 * application role sees and writes none of those rows.
 */
export async function withGroup<T>(db: Database, groupId: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  if (!UUID.test(groupId))
    throw new TypeError(`withGroup: the group id must be a UUID, got ${JSON.stringify(groupId)}`);
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config(${GROUP_SETTING}, ${groupId}, true)`);
    const result = await fn(tx);
    await leaveNothingBound(tx);
    return result;
  });
}

/**
 * What could carry the group's rows past the transaction to the pooled connection's next user:
 * a `WITH HOLD` cursor declared in it (refused: throwing rolls the transaction back, which closes
 * the cursor), and a binding `fn` made for the session (`set_config(…, false)`), cleared here.
 */
async function leaveNothingBound(tx: Transaction): Promise<void> {
  const { rows } = await tx.execute<{ held: string | null }>(
    sql`SELECT set_config(${GROUP_SETTING}, '', false),
               (SELECT string_agg(name, ', ') FROM pg_cursors WHERE is_holdable AND creation_time >= now()) AS held`,
  );
  const held = rows[0]?.held;
  if (held) {
    throw new Error(
      `withGroup: cursor ${held} is WITH HOLD and would outlive the transaction, handing this group's rows to the connection's next user; declare it without WITH HOLD (the transaction was rolled back)`,
    );
  }
}

/** The SHA-256 of a raw API key as stored in `api_keys.key_hash` (64 lowercase hex digits). */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** What {@link createApiKey} stores besides the hash. */
export interface NewApiKeyFields {
  groupId: string;
  name?: string;
  scopes?: string;
  createdBy?: string;
  expiresAt?: Date;
}

/**
 * Creates an API key for a group: 256 random bits as 43 URL-safe characters. Only its SHA-256
 * and its first {@link API_KEY_PREFIX_LENGTH} characters are stored; the raw `key` is returned
 * here once and can never be read back.
 */
export async function createApiKey(
  db: Database,
  fields: NewApiKeyFields,
): Promise<{ apiKey: Omit<typeof apiKeys.$inferSelect, "keyHash">; key: string }> {
  const key = randomBytes(32).toString("base64url");
  const { keyHash: _, ...apiKey } = await withGroup(db, fields.groupId, async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({ ...fields, keyHash: hashApiKey(key), keyPrefix: key.slice(0, API_KEY_PREFIX_LENGTH) })
      .returning();
    return row as typeof apiKeys.$inferSelect;
  });
  return { apiKey, key };
}

/**
 * The stored key a caller presents (before any group is known: this is how a request finds its
 * group), or undefined. The application role sees exactly that one row, by its hash, and no
 * other; whether it is revoked or expired is for the caller to check.
 */
export async function findApiKey(db: Database, key: string): Promise<typeof apiKeys.$inferSelect | undefined> {
  const keyHash = hashApiKey(key);
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config(${KEY_HASH_SETTING}, ${keyHash}, true)`);
    const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
    return row;
  });
}
