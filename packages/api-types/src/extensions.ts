import { extensions } from "@devtools-sync/db/schema";
import { createInsertSchema, createSelectSchema, createUpdateSchema } from "drizzle-zod";
import { z } from "zod";
import { EXTENSION_ID, matching, notBlank, SHA256_HEX, singleLine, VERSION } from "./common";
import { columnRules, type InsertRow, insertSchemaOf, nonEmptyPatch, type Same, updateSchemaOf, wire } from "./derive";

/** Longest marketplace URL the API takes. */
export const MAX_URL_LENGTH = 2048;

/** An https URL with a DNS host name, at most {@link MAX_URL_LENGTH} characters. */
function httpsUrl(stored: z.ZodString): z.ZodString {
  return stored
    .max(MAX_URL_LENGTH, { message: `must be at most ${MAX_URL_LENGTH} characters` })
    .check(z.url({ protocol: /^https$/, hostname: z.regexes.domain, message: "must be an https URL" }));
}

const rules = columnRules(extensions, {
  checks: {
    extensionId: matching(EXTENSION_ID, "must be an extension id: publisher.name"),
    name: notBlank,
    publisher: notBlank,
  },
  domain: {
    name: singleLine,
    publisher: singleLine,
    pinnedVersion: matching(VERSION, "must be a version: major.minor.patch"),
    sha256Checksum: matching(SHA256_HEX, "must be a SHA-256 digest: 64 lowercase hex characters"),
    marketplaceUrl: httpsUrl,
  },
});

/** An `extensions` row as stored. */
export const selectExtensionSchema = createSelectSchema(extensions, rules.stored);
/** A new `extensions` row. */
export const insertExtensionSchema = insertSchemaOf(extensions, createInsertSchema(extensions, rules.written));
/** A change to an `extensions` row. */
export const updateExtensionSchema = nonEmptyPatch(updateSchemaOf(createUpdateSchema(extensions, rules.written)));

export type SelectExtension = z.infer<typeof selectExtensionSchema>;
export type InsertExtension = z.infer<typeof insertExtensionSchema>;
export type UpdateExtension = z.infer<typeof updateExtensionSchema>;

/** An admin adding an extension to the catalogue (blocking goes through the blocklist). */
export const createExtensionRequestSchema = insertExtensionSchema.omit({ isBlocked: true });
export type CreateExtensionRequest = z.infer<typeof createExtensionRequestSchema>;

/** An admin changing an extension; its `publisher.name` id is its identity and stays. */
export const updateExtensionRequestSchema = nonEmptyPatch(
  createExtensionRequestSchema.omit({ extensionId: true }).partial(),
);
export type UpdateExtensionRequest = z.infer<typeof updateExtensionRequestSchema>;

/** An extension as the API returns it. */
export const extensionResponseSchema = wire(selectExtensionSchema);
export type ExtensionResponse = z.infer<typeof extensionResponseSchema>;

true satisfies Same<z.output<typeof selectExtensionSchema>, typeof extensions.$inferSelect>;
true satisfies Same<z.input<typeof insertExtensionSchema>, InsertRow<typeof extensions>>;
