-- Undoes 0002_enforce_not_null_and_value_sets, back to the state 0001 left: the NOT NULL
-- scaffolding checks return NOT VALID, the columns accept NULL again, and the value-set checks go
-- back to NOT VALID (dropped and re-added in this transaction, so no write slips past unchecked).
-- Every statement takes its lock for an instant and scans nothing. The backfill stays: the rows
-- it gave a default keep it (NULL and the default mean the same to the application).
-- lint-ignore-file ban-drop-not-null: making these columns nullable again is what undoing 0002 means; the application of that era wrote them nullable
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
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_details_not_null" CHECK ("details" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_is_active_not_null" CHECK ("is_active" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_updated_at_not_null" CHECK ("updated_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_is_blocked_not_null" CHECK ("is_blocked" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_updated_at_not_null" CHECK ("updated_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "group_extensions" ADD CONSTRAINT "group_extensions_is_required_not_null" CHECK ("is_required" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "group_extensions" ADD CONSTRAINT "group_extensions_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_settings_not_null" CHECK ("settings" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_updated_at_not_null" CHECK ("updated_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_reported_at_not_null" CHECK ("reported_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_not_null" CHECK ("role" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_is_active_not_null" CHECK ("is_active" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_created_at_not_null" CHECK ("created_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_updated_at_not_null" CHECK ("updated_at" IS NOT NULL) NOT VALID;
--> statement-breakpoint
ALTER TABLE "agents" ALTER COLUMN "status" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "agents" ALTER COLUMN "created_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "agents" ALTER COLUMN "updated_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "scopes" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "created_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "details" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "created_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "blocklist" ALTER COLUMN "is_active" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "blocklist" ALTER COLUMN "created_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "blocklist" ALTER COLUMN "updated_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "extensions" ALTER COLUMN "is_blocked" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "extensions" ALTER COLUMN "created_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "extensions" ALTER COLUMN "updated_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "group_extensions" ALTER COLUMN "is_required" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "group_extensions" ALTER COLUMN "created_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "settings" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "created_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "updated_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "reports" ALTER COLUMN "reported_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "role" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "is_active" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "created_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "updated_at" DROP NOT NULL;
--> statement-breakpoint
ALTER TABLE "agents" DROP CONSTRAINT "agents_platform_check";
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_platform_check" CHECK ("platform" IN ('linux', 'darwin', 'win32')) NOT VALID;
--> statement-breakpoint
ALTER TABLE "agents" DROP CONSTRAINT "agents_status_check";
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_status_check" CHECK ("status" IN ('active', 'inactive', 'disabled')) NOT VALID;
--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_scopes_check";
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_scopes_check" CHECK (cardinality(string_to_array("scopes", ',')) > 0 AND string_to_array("scopes", ',') <@ ARRAY['agent', 'read', 'admin']) NOT VALID;
--> statement-breakpoint
ALTER TABLE "audit_log" DROP CONSTRAINT "audit_log_actor_type_check";
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_type_check" CHECK ("actor_type" IN ('user', 'agent', 'api_key', 'system')) NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" DROP CONSTRAINT "blocklist_pattern_type_check";
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_pattern_type_check" CHECK ("pattern_type" IN ('exact', 'publisher', 'regex')) NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_role_check";
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("role" IN ('admin', 'viewer')) NOT VALID;
