-- Step 1 of 2 of tightening tables that may already hold production data (0002 is step 2).
-- A constraint added NOT VALID takes its ACCESS EXCLUSIVE lock only for an instant: it checks
-- every new write but scans no existing row. 0002 then validates under a SHARE UPDATE EXCLUSIVE
-- lock that lets reads and writes go on, in its own transaction.
--
-- Value sets: the lists declared in src/schema/*.ts (userRoles, agentPlatforms, ...). The
-- columns stay varchar, as the seed made them: converting to a pg enum would rewrite each table
-- under an exclusive lock, and a CHECK can later grow a value without one.
--
-- "<table>_<column>_not_null" checks are scaffolding for SET NOT NULL in 0002: PostgreSQL skips
-- the full-table scan of SET NOT NULL when a validated CHECK (col IS NOT NULL) proves it.
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("role" IN ('admin', 'viewer')) NOT VALID;
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_platform_check" CHECK ("platform" IN ('linux', 'darwin', 'win32')) NOT VALID;
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_status_check" CHECK ("status" IN ('active', 'inactive', 'disabled')) NOT VALID;
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_scopes_check" CHECK (cardinality(string_to_array("scopes", ',')) > 0 AND string_to_array("scopes", ',') <@ ARRAY['agent', 'read', 'admin']) NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_pattern_type_check" CHECK ("pattern_type" IN ('exact', 'publisher', 'regex')) NOT VALID;
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_type_check" CHECK ("actor_type" IN ('user', 'agent', 'api_key', 'system')) NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_not_null" CHECK ("role" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_is_active_not_null" CHECK ("is_active" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_updated_at_not_null" CHECK ("updated_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_settings_not_null" CHECK ("settings" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_updated_at_not_null" CHECK ("updated_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_is_blocked_not_null" CHECK ("is_blocked" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_updated_at_not_null" CHECK ("updated_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_status_not_null" CHECK ("status" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_updated_at_not_null" CHECK ("updated_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_scopes_not_null" CHECK ("scopes" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "group_extensions" ADD CONSTRAINT "group_extensions_is_required_not_null" CHECK ("is_required" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "group_extensions" ADD CONSTRAINT "group_extensions_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_reported_at_not_null" CHECK ("reported_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_is_active_not_null" CHECK ("is_active" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_updated_at_not_null" CHECK ("updated_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_details_not_null" CHECK ("details" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
