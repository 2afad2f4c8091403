import { sql } from "drizzle-orm";
import { check, foreignKey, index, pgPolicy, pgTable, uuid, varchar } from "drizzle-orm/pg-core";
import { appRole, groupPolicies, KEY_HASH_SETTING, SHA256_HEX_PATTERN } from "./access";
import { commaSeparatedSubsetOf, id, matches, notBlank, timestamptz } from "./columns";
import { API_KEY_PREFIX_LENGTH, KEY_PREFIX_PATTERN } from "./formats";
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
    keyPrefix: varchar({ length: API_KEY_PREFIX_LENGTH }).notNull(),
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
    check("api_keys_key_hash_check", matches(t.keyHash, SHA256_HEX_PATTERN)),
    check("api_keys_key_prefix_check", matches(t.keyPrefix, KEY_PREFIX_PATTERN)),
    check("api_keys_name_check", notBlank(t.name)),
    index("idx_api_keys_group_id").on(t.groupId),
    // idx_api_keys_key_hash was dropped: api_keys_key_hash_key is already a unique index on it.
    ...groupPolicies("api_keys", t.groupId),
    // Authentication, before any group is known: the key whose hash the caller presents, only it.
    pgPolicy("api_keys_presented_key", {
      for: "select",
      to: appRole,
      using: sql`${t.keyHash} = ${sql.raw(`nullif(current_setting('${KEY_HASH_SETTING}', true), '')`)}`,
    }),
  ],
).enableRLS();
