import { bigint, pgTable, text } from "drizzle-orm/pg-core";
import { id, timestamptz } from "./columns";

/**
 * The record of every purge of `audit_log`, kept for good: a trigger fills in who, when and in
 * which transaction, refuses a cutoff in the future, and refuses UPDATE, DELETE and TRUNCATE by
 * anyone. Only `purge_audit_log` writes it, and `audit_log` lets a row go only in a transaction
 * that recorded a purge here whose cutoff the row is older than.
 */
export const auditLogPurges = pgTable("audit_log_purges", {
  id: id(),
  /** Entries created before this instant were removed. */
  cutoff: timestamptz().notNull(),
  /** The session user who ran the purge (the login role, not the function's owner). */
  purgedBy: text().notNull(),
  /** The purging transaction (`pg_current_xact_id()`): the trigger on audit_log matches on it. */
  transactionId: bigint({ mode: "bigint" }).notNull(),
  purgedAt: timestamptz().notNull().defaultNow(),
});
