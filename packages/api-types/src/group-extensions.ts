import { groupExtensions } from "@devtools-sync/db/schema";
import { createInsertSchema, createSelectSchema, createUpdateSchema } from "drizzle-zod";
import type { z } from "zod";
import { columnRules, type InsertRow, insertSchemaOf, nonEmptyPatch, type Same, updateSchemaOf, wire } from "./derive";

const rules = columnRules(groupExtensions, { domain: {} });

/** A `group_extensions` row as stored. */
export const selectGroupExtensionSchema = createSelectSchema(groupExtensions, rules.stored);
/** A new `group_extensions` row: an extension required (or recommended) in a group. */
export const insertGroupExtensionSchema = insertSchemaOf(
  groupExtensions,
  createInsertSchema(groupExtensions, rules.written),
);
/** A change to a `group_extensions` row. */
export const updateGroupExtensionSchema = nonEmptyPatch(
  updateSchemaOf(createUpdateSchema(groupExtensions, rules.written)),
);

export type SelectGroupExtension = z.infer<typeof selectGroupExtensionSchema>;
export type InsertGroupExtension = z.infer<typeof insertGroupExtensionSchema>;
export type UpdateGroupExtension = z.infer<typeof updateGroupExtensionSchema>;

/** An admin adding a catalogue extension (by its row id) to a group, required unless said otherwise. */
export const addGroupExtensionRequestSchema = insertGroupExtensionSchema.pick({ extensionId: true, isRequired: true });
export type AddGroupExtensionRequest = z.infer<typeof addGroupExtensionRequestSchema>;

/** An admin making a group's extension required or merely recommended. */
export const updateGroupExtensionRequestSchema = insertGroupExtensionSchema.pick({ isRequired: true }).required();
export type UpdateGroupExtensionRequest = z.infer<typeof updateGroupExtensionRequestSchema>;

/** A group's extension as the API returns it. */
export const groupExtensionResponseSchema = wire(selectGroupExtensionSchema);
export type GroupExtensionResponse = z.infer<typeof groupExtensionResponseSchema>;

true satisfies Same<z.output<typeof selectGroupExtensionSchema>, typeof groupExtensions.$inferSelect>;
true satisfies Same<z.input<typeof insertGroupExtensionSchema>, InsertRow<typeof groupExtensions>>;
