import { groups } from "@devtools-sync/db/schema";
import { createInsertSchema, createSelectSchema, createUpdateSchema } from "drizzle-zod";
import type { z } from "zod";
import { freeText, notBlank, singleLine, writableJson } from "./common";
import { columnRules, type InsertRow, insertSchemaOf, nonEmptyPatch, type Same, updateSchemaOf, wire } from "./derive";

const rules = columnRules(groups, {
  checks: { name: notBlank },
  domain: { name: singleLine, description: freeText, settings: writableJson },
});

/** A `groups` row as stored. */
export const selectGroupSchema = createSelectSchema(groups, rules.stored);
/** A new `groups` row: a unique name, an optional description and settings object. */
export const insertGroupSchema = insertSchemaOf(groups, createInsertSchema(groups, rules.written));
/** A change to a `groups` row. */
export const updateGroupSchema = nonEmptyPatch(updateSchemaOf(createUpdateSchema(groups, rules.written)));

export type SelectGroup = z.infer<typeof selectGroupSchema>;
export type InsertGroup = z.infer<typeof insertGroupSchema>;
export type UpdateGroup = z.infer<typeof updateGroupSchema>;

/** An admin creating a group. */
export const createGroupRequestSchema = insertGroupSchema.pick({ name: true, description: true, settings: true });
export type CreateGroupRequest = z.infer<typeof createGroupRequestSchema>;

/** An admin renaming a group or changing its description or settings (at least one of them). */
export const updateGroupRequestSchema = nonEmptyPatch(createGroupRequestSchema.partial());
export type UpdateGroupRequest = z.infer<typeof updateGroupRequestSchema>;

/** A group as the API returns it. */
export const groupResponseSchema = wire(selectGroupSchema);
export type GroupResponse = z.infer<typeof groupResponseSchema>;

true satisfies Same<z.output<typeof selectGroupSchema>, typeof groups.$inferSelect>;
true satisfies Same<z.input<typeof insertGroupSchema>, InsertRow<typeof groups>>;
