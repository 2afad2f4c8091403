import { type BlocklistPatternType, blocklist } from "@devtools-sync/db/schema";
import { createInsertSchema, createSelectSchema, createUpdateSchema } from "drizzle-zod";
import type { z } from "zod";
import { EXTENSION_ID, freeText, notBlank, PUBLISHER_ID, singleLine } from "./common";
import { columnRules, type InsertRow, insertSchemaOf, nonEmptyPatch, type Same, updateSchemaOf, wire } from "./derive";

const rules = columnRules(blocklist, {
  checks: { pattern: notBlank },
  domain: { pattern: singleLine, reason: freeText },
});

/** A `blocklist` row as stored. */
export const selectBlocklistSchema = createSelectSchema(blocklist, rules.stored);
/** A new `blocklist` row. */
export const insertBlocklistSchema = insertSchemaOf(blocklist, createInsertSchema(blocklist, rules.written));
/** A change to a `blocklist` row. */
export const updateBlocklistSchema = nonEmptyPatch(updateSchemaOf(createUpdateSchema(blocklist, rules.written)));

export type SelectBlocklist = z.infer<typeof selectBlocklistSchema>;
export type InsertBlocklist = z.infer<typeof insertBlocklistSchema>;
export type UpdateBlocklist = z.infer<typeof updateBlocklistSchema>;

function compilesAsUnicodeRegex(pattern: string): boolean {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}

/** What a pattern of each type must look like; typed by the schema's list, so a new type needs a rule. */
const patternRules: Record<BlocklistPatternType, { test: (pattern: string) => boolean; message: string }> = {
  exact: {
    test: (pattern) => EXTENSION_ID.test(pattern),
    message: "must be an extension id (publisher.name) for exact",
  },
  publisher: { test: (pattern) => PUBLISHER_ID.test(pattern), message: "must be a publisher id for publisher" },
  regex: { test: compilesAsUnicodeRegex, message: "must be a valid regular expression (JavaScript, u flag) for regex" },
};

/** Checks `pattern` against `patternType` when both are present; a patch must change them together. */
function patternFitsType(entry: { patternType?: BlocklistPatternType; pattern?: string }, ctx: z.RefinementCtx): void {
  const { patternType, pattern } = entry;
  if (patternType === undefined && pattern === undefined) return;
  if (patternType === undefined || pattern === undefined) {
    const missing = patternType === undefined ? "patternType" : "pattern";
    ctx.addIssue({ code: "custom", path: [missing], message: "must change together with the other" });
    return;
  }
  const rule = patternRules[patternType];
  if (!rule.test(pattern)) ctx.addIssue({ code: "custom", path: ["pattern"], message: rule.message });
}

const entryFields = insertBlocklistSchema.pick({ patternType: true, pattern: true, reason: true, isActive: true });

/** An admin blocking extensions: one by id (`exact`), a whole `publisher`, or a `regex` over ids. */
export const createBlocklistEntryRequestSchema = entryFields.superRefine(patternFitsType);
export type CreateBlocklistEntryRequest = z.infer<typeof createBlocklistEntryRequestSchema>;

/** An admin changing an entry: its reason, whether it is active, or its type and pattern together. */
export const updateBlocklistEntryRequestSchema = nonEmptyPatch(entryFields.partial()).superRefine(patternFitsType);
export type UpdateBlocklistEntryRequest = z.infer<typeof updateBlocklistEntryRequestSchema>;

/** A blocklist entry as the API returns it. */
export const blocklistEntryResponseSchema = wire(selectBlocklistSchema);
export type BlocklistEntryResponse = z.infer<typeof blocklistEntryResponseSchema>;

true satisfies Same<z.output<typeof selectBlocklistSchema>, typeof blocklist.$inferSelect>;
true satisfies Same<z.input<typeof insertBlocklistSchema>, InsertRow<typeof blocklist>>;
