-- Undoes 0020_stamp_audit_log_entries: an INSERT may set created_at again.
DROP TRIGGER IF EXISTS "audit_log_stamp" ON "audit_log";
--> statement-breakpoint
DROP FUNCTION IF EXISTS "public"."audit_log_stamp"();
