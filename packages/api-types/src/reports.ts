import { reports } from "@devtools-sync/db/schema";
import { createInsertSchema, createSelectSchema, createUpdateSchema } from "drizzle-zod";
import { z } from "zod";
import { EXTENSION_ID, hostAddress, matching, SHA256_HEX, VERSION } from "./common";
import { columnRules, type InsertRow, insertSchemaOf, nonEmptyPatch, type Same, updateSchemaOf, wire } from "./derive";

const rules = columnRules(reports, {
  checks: { extensionId: matching(EXTENSION_ID, "must be an extension id: publisher.name") },
  domain: {
    userHash: matching(SHA256_HEX, "must be the SHA-256 of the user identity: 64 lowercase hex characters"),
    installedVersion: matching(VERSION, "must be a version: major.minor.patch"),
    extensionSha256: matching(SHA256_HEX, "must be a SHA-256 digest: 64 lowercase hex characters"),
    clientIp: hostAddress,
  },
});

/** A `reports` row as stored. */
export const selectReportSchema = createSelectSchema(reports, rules.stored);
/** A new `reports` row: one extension's state for one user in one group. */
export const insertReportSchema = insertSchemaOf(reports, createInsertSchema(reports, rules.written));
/** A change to a `reports` row. */
export const updateReportSchema = nonEmptyPatch(updateSchemaOf(createUpdateSchema(reports, rules.written)));

export type SelectReport = z.infer<typeof selectReportSchema>;
export type InsertReport = z.infer<typeof insertReportSchema>;
export type UpdateReport = z.infer<typeof updateReportSchema>;

/** Most entries one batch may carry. */
export const MAX_REPORT_BATCH = 500;

/**
 * One extension in an agent's batch. An extension that is not installed has no installed
 * version or checksum.
 */
export const reportEntrySchema = insertReportSchema
  .pick({ extensionId: true, installed: true, installedVersion: true, extensionSha256: true })
  .superRefine((entry, ctx) => {
    if (entry.installed) return;
    for (const field of ["installedVersion", "extensionSha256"] as const) {
      if (entry[field] != null)
        ctx.addIssue({ code: "custom", path: [field], message: "must be absent when not installed" });
    }
  });
export type ReportEntry = z.infer<typeof reportEntrySchema>;

/** Rejects a batch longer than {@link MAX_REPORT_BATCH} before validating a single entry. */
const boundedBatch = z
  .array(z.unknown())
  .min(1)
  .max(MAX_REPORT_BATCH, {
    message: `must carry at most ${MAX_REPORT_BATCH} entries`,
  });

/**
 * An agent reporting the extensions of one user. Each extension appears once: the batch is
 * upserted on `reports_user_hash_group_id_extension_id_key`, which cannot take a key twice.
 */
export const submitReportsRequestSchema = z
  .strictObject({
    userHash: insertReportSchema.shape.userHash,
    reports: boundedBatch.pipe(z.array(reportEntrySchema)),
  })
  .superRefine((batch, ctx) => {
    const seen = new Set<string>();
    batch.reports.forEach((entry, index) => {
      if (seen.has(entry.extensionId)) {
        ctx.addIssue({ code: "custom", path: ["reports", index, "extensionId"], message: "is reported twice" });
      }
      seen.add(entry.extensionId);
    });
  });
export type SubmitReportsRequest = z.infer<typeof submitReportsRequestSchema>;

/** How many entries were stored, and which of them are on the blocklist. */
export const submitReportsResponseSchema = z.object({
  accepted: z.int().min(0).max(MAX_REPORT_BATCH),
  blockedExtensionIds: z.array(insertReportSchema.shape.extensionId).max(MAX_REPORT_BATCH),
});
export type SubmitReportsResponse = z.infer<typeof submitReportsResponseSchema>;

/** A report as the API returns it. */
export const reportResponseSchema = wire(selectReportSchema);
export type ReportResponse = z.infer<typeof reportResponseSchema>;

true satisfies Same<z.output<typeof selectReportSchema>, typeof reports.$inferSelect>;
true satisfies Same<z.input<typeof insertReportSchema>, InsertRow<typeof reports>>;
