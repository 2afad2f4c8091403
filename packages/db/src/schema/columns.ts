import { timestamp, uuid } from "drizzle-orm/pg-core";

/** `uuid PRIMARY KEY DEFAULT gen_random_uuid()`, the key of every table. */
export const id = () => uuid().primaryKey().defaultRandom();

/** `timestamptz`: every point in time is stored with its zone. */
export const timestamptz = () => timestamp({ withTimezone: true });
