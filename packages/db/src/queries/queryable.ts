import type { NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type * as schema from "../schema";

/**
 * Where a hot path runs: the database from `createDb`, or a transaction on it (the API runs
 * group-scoped queries inside a transaction bound to the caller's group).
 */
export type Queryable = PgDatabase<NodePgQueryResultHKT, typeof schema>;
