-- Undoes 0004_tune_indexes_for_hot_paths: rebuilds the indexes it dropped before dropping the ones
-- it built, so no query loses its index in between. CONCURRENTLY like the up migration: the
-- migrator runs it outside a transaction, statement by statement, and resumes it if interrupted.
CREATE INDEX CONCURRENTLY "idx_agents_group_id" ON "agents" USING btree ("group_id");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "idx_api_keys_key_hash" ON "api_keys" USING btree ("key_hash");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "idx_audit_log_group_id" ON "audit_log" USING btree ("group_id");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "idx_extensions_extension_id" ON "extensions" USING btree ("extension_id");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "idx_group_extensions_group_id" ON "group_extensions" USING btree ("group_id");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "idx_groups_name" ON "groups" USING btree ("name");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "idx_reports_group_id" ON "reports" USING btree ("group_id");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY "idx_users_email" ON "users" USING btree ("email");
--> statement-breakpoint
DROP INDEX CONCURRENTLY IF EXISTS "reports_group_id_reported_at_idx";
--> statement-breakpoint
DROP INDEX CONCURRENTLY IF EXISTS "audit_log_group_id_created_at_idx";
--> statement-breakpoint
DROP INDEX CONCURRENTLY IF EXISTS "agents_group_id_last_heartbeat_idx";
