import { API_KEY_PREFIX_LENGTH, apiKeyScopes, apiKeys, KEY_PREFIX_PATTERN } from "@devtools-sync/db/schema";
import { createInsertSchema, createSelectSchema, createUpdateSchema } from "drizzle-zod";
import { z } from "zod";
import { matching, notBlank, SHA256_HEX, singleLine } from "./common";
import { columnRules, type InsertRow, insertSchemaOf, nonEmptyPatch, type Same, updateSchemaOf, wire } from "./derive";

const scopeList = (scopes: string): string[] => scopes.split(",");
const isScope = (scope: string): boolean => (apiKeyScopes as readonly string[]).includes(scope);

/** `api_keys_scopes_check`: a non-empty comma-separated list of {@link apiKeyScopes}, e.g. `agent,read`. */
function scopesCheck(stored: z.ZodString): z.ZodString {
  return stored.refine((scopes) => scopeList(scopes).every(isScope), {
    message: `must be a comma-separated list of ${apiKeyScopes.join(", ")} (e.g. "agent,read")`,
  });
}

/** The API's scopes are a set: the database would take `agent,agent`, the API does not. */
function distinctScopes(stored: z.ZodString): z.ZodString {
  return stored.refine((scopes) => new Set(scopeList(scopes)).size === scopeList(scopes).length, {
    message: "must not repeat a scope",
  });
}

/** The first characters of a raw key, stored so that a key can be recognised without its secret. */
export { API_KEY_PREFIX_LENGTH };
/** A raw API key: 32-128 URL-safe characters, shown to its creator once and never stored. */
export const API_KEY = /^[A-Za-z0-9_-]{32,128}$/;
/** A key prefix: the first {@link API_KEY_PREFIX_LENGTH} characters of a raw key (`api_keys_key_prefix_check`). */
export const KEY_PREFIX = new RegExp(KEY_PREFIX_PATTERN);

const rules = columnRules(apiKeys, {
  checks: {
    scopes: scopesCheck,
    keyPrefix: matching(KEY_PREFIX, `must be the key's first ${API_KEY_PREFIX_LENGTH} characters`),
    name: notBlank,
  },
  domain: {
    keyHash: matching(SHA256_HEX, "must be the SHA-256 of the key: 64 lowercase hex characters"),
    name: singleLine,
    scopes: distinctScopes,
  },
});

/** An `api_keys` row as stored. */
export const selectApiKeySchema = createSelectSchema(apiKeys, rules.stored);
/** A new `api_keys` row: the key's SHA-256 and prefix, never the key. */
export const insertApiKeySchema = insertSchemaOf(apiKeys, createInsertSchema(apiKeys, rules.written));
/** A change to an `api_keys` row (renaming, revoking, recording use). */
export const updateApiKeySchema = nonEmptyPatch(updateSchemaOf(createUpdateSchema(apiKeys, rules.written)));

export type SelectApiKey = z.infer<typeof selectApiKeySchema>;
export type InsertApiKey = z.infer<typeof insertApiKeySchema>;
export type UpdateApiKey = z.infer<typeof updateApiKeySchema>;

/** An admin creating an API key for a group; scopes default to `agent`. */
export const createApiKeyRequestSchema = wire(
  insertApiKeySchema.pick({ groupId: true, name: true, scopes: true, expiresAt: true }),
);
export type CreateApiKeyRequest = z.infer<typeof createApiKeyRequestSchema>;

/** An API key as the API returns it: never its hash. */
export const apiKeyResponseSchema = wire(selectApiKeySchema.omit({ keyHash: true }));
export type ApiKeyResponse = z.infer<typeof apiKeyResponseSchema>;

/** The created key, and the raw key itself: the only time anyone sees it. */
export const createApiKeyResponseSchema = z
  .object({
    apiKey: apiKeyResponseSchema,
    key: z.string().regex(API_KEY, { message: "must be 32-128 URL-safe characters" }),
  })
  .refine((created) => created.key.startsWith(created.apiKey.keyPrefix), {
    path: ["key"],
    message: "must start with the key prefix",
  });
export type CreateApiKeyResponse = z.infer<typeof createApiKeyResponseSchema>;

true satisfies Same<z.output<typeof selectApiKeySchema>, typeof apiKeys.$inferSelect>;
true satisfies Same<z.input<typeof insertApiKeySchema>, InsertRow<typeof apiKeys>>;
