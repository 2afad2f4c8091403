import { check, foreignKey, index, pgTable, uuid, varchar } from "drizzle-orm/pg-core";
import { commaSeparatedSubsetOf, id, timestamptz } from "./columns";
import { groups } from "./groups";
import { users } from "./users";

/** What an API key may be used for; a key holds a comma-separated subset, e.g. `agent,read`. */
export const apiKeyScopes = ["agent", "read", "admin"] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

export const apiKeys = pgTable(
  "api_keys",
  {
    id: id(),
    groupId: uuid().notNull(),
    createdBy: uuid(),
    keyHash: varchar({ length: 64 }).notNull().unique("api_keys_key_hash_key"),
    keyPrefix: varchar({ length: 8 }).notNull(),
    name: varchar({ length: 255 }),
    scopes: varchar({ length: 255 }).notNull().default("agent"),
    expiresAt: timestamptz(),
    lastUsedAt: timestamptz(),
    revokedAt: timestamptz(),
    createdAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ name: "api_keys_group_id_fkey", columns: [t.groupId], foreignColumns: [groups.id] }).onDelete(
      "cascade",
    ),
    foreignKey({ name: "api_keys_created_by_fkey", columns: [t.createdBy], foreignColumns: [users.id] }).onDelete(
      "set null",
    ),
    check("api_keys_scopes_check", commaSeparatedSubsetOf(t.scopes, apiKeyScopes)),
    index("idx_api_keys_group_id").on(t.groupId),
    // idx_api_keys_key_hash was dropped: api_keys_key_hash_key is already a unique index on it.
  ],
);
