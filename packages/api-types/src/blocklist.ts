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
const insertBlocklistFields = insertSchemaOf(blocklist, createInsertSchema(blocklist, rules.written));
/** A new `blocklist` row; a `regex` entry's pattern must compile (the database applies it to every extension id). */
export const insertBlocklistSchema = insertBlocklistFields.superRefine(regexThatCompiles);
/** A change to a `blocklist` row; one that makes it a `regex` entry brings a pattern that compiles. */
export const updateBlocklistSchema = nonEmptyPatch(
  updateSchemaOf(createUpdateSchema(blocklist, rules.written)),
).superRefine((patch, ctx) => {
  if (patch.patternType === "regex" && patch.pattern !== undefined)
    regexThatCompiles({ patternType: "regex", pattern: patch.pattern }, ctx);
});

export type SelectBlocklist = z.infer<typeof selectBlocklistSchema>;
export type InsertBlocklist = z.infer<typeof insertBlocklistSchema>;
export type UpdateBlocklist = z.infer<typeof updateBlocklistSchema>;

/**
 * Whether both PostgreSQL, which applies the blocklist (`extension_id ~ pattern`, and refuses to store
 * a pattern it cannot compile once any extension exists), and JavaScript (u flag) compile `pattern`.
 * Besides compiling in JavaScript it keeps to what both dialects accept: backslash escapes only of a
 * class (\d \s \w and their capitals) or of a symbol (PostgreSQL has no \p{…}, \k<…> or \u{…}), no
 * named groups, repetition counts of at most 255 (PostgreSQL's limit), and bracket expressions
 * both read alike (bracketsReadAlike).
 */
function compilesInBothDialects(pattern: string): boolean {
  if (/\\(?![dDsSwW^$\\.*+?()[\]{}|/-])/.test(pattern)) return false;
  if (!bracketsReadAlike(pattern)) return false;
  if (/\(\?<(?![=!])/.test(pattern)) return false;
  for (const [, count] of pattern.matchAll(/\{(\d+)/g)) if (Number(count) > 255) return false;
  for (const [, count] of pattern.matchAll(/,(\d+)\}/g)) if (Number(count) > 255) return false;
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether no bracket expression in `pattern` opens with `]` (`[]`, `[^]`: JavaScript's empty and
 * any-character classes; a member in POSIX, which then seeks another `]`) or holds `[.`, `[:` or `[=`
 * (POSIX collating elements and named classes; plain characters in JavaScript).
 */
function bracketsReadAlike(pattern: string): boolean {
  let inBrackets = false;
  for (let at = 0; at < pattern.length; at++) {
    const character = pattern[at];
    if (character === "\\") at++;
    else if (inBrackets) {
      if (character === "]") inBrackets = false;
      else if (character === "[" && ".:=".includes(pattern[at + 1] ?? "")) return false;
    } else if (character === "[") {
      inBrackets = true;
      if (pattern[at + 1] === "^") at++;
      if (pattern[at + 1] === "]") return false;
    }
  }
  return true;
}

/** What a pattern of each type must look like; typed by the schema's list, so a new type needs a rule. */
const patternRules: Record<BlocklistPatternType, { test: (pattern: string) => boolean; message: string }> = {
  exact: {
    test: (pattern) => EXTENSION_ID.test(pattern),
    message: "must be an extension id (publisher.name) for exact",
  },
  publisher: { test: (pattern) => PUBLISHER_ID.test(pattern), message: "must be a publisher id for publisher" },
  regex: {
    test: compilesInBothDialects,
    message:
      "must be a regular expression PostgreSQL and JavaScript (u flag) both compile for regex: escape only \\d, \\s, \\w (or capitals) or a symbol, no named groups, counts up to 255",
  },
};

function regexThatCompiles(entry: { patternType: BlocklistPatternType; pattern: string }, ctx: z.RefinementCtx): void {
  if (entry.patternType === "regex" && !compilesInBothDialects(entry.pattern)) {
    ctx.addIssue({ code: "custom", path: ["pattern"], message: patternRules.regex.message });
  }
}

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

const entryFields = insertBlocklistFields.pick({ patternType: true, pattern: true, reason: true, isActive: true });

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
