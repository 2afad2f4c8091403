-- Undoes 0001_add_checks_not_valid: drops the value-set and NOT NULL scaffolding checks it added.
-- Dropping a constraint takes an ACCESS EXCLUSIVE lock for an instant and scans nothing.
ALTER TABLE "audit_log" DROP CONSTRAINT "audit_log_created_at_not_null";
--> statement-breakpoint
ALTER TABLE "audit_log" DROP CONSTRAINT "audit_log_details_not_null";
--> statement-breakpoint
ALTER TABLE "blocklist" DROP CONSTRAINT "blocklist_updated_at_not_null";
--> statement-breakpoint
ALTER TABLE "blocklist" DROP CONSTRAINT "blocklist_created_at_not_null";
--> statement-breakpoint
ALTER TABLE "blocklist" DROP CONSTRAINT "blocklist_is_active_not_null";
--> statement-breakpoint
ALTER TABLE "reports" DROP CONSTRAINT "reports_reported_at_not_null";
--> statement-breakpoint
ALTER TABLE "group_extensions" DROP CONSTRAINT "group_extensions_created_at_not_null";
--> statement-breakpoint
ALTER TABLE "group_extensions" DROP CONSTRAINT "group_extensions_is_required_not_null";
--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_created_at_not_null";
--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_scopes_not_null";
--> statement-breakpoint
ALTER TABLE "agents" DROP CONSTRAINT "agents_updated_at_not_null";
--> statement-breakpoint
ALTER TABLE "agents" DROP CONSTRAINT "agents_created_at_not_null";
--> statement-breakpoint
ALTER TABLE "agents" DROP CONSTRAINT "agents_status_not_null";
--> statement-breakpoint
ALTER TABLE "extensions" DROP CONSTRAINT "extensions_updated_at_not_null";
--> statement-breakpoint
ALTER TABLE "extensions" DROP CONSTRAINT "extensions_created_at_not_null";
--> statement-breakpoint
ALTER TABLE "extensions" DROP CONSTRAINT "extensions_is_blocked_not_null";
--> statement-breakpoint
ALTER TABLE "groups" DROP CONSTRAINT "groups_updated_at_not_null";
--> statement-breakpoint
ALTER TABLE "groups" DROP CONSTRAINT "groups_created_at_not_null";
--> statement-breakpoint
ALTER TABLE "groups" DROP CONSTRAINT "groups_settings_not_null";
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_updated_at_not_null";
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_created_at_not_null";
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_is_active_not_null";
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_role_not_null";
--> statement-breakpoint
ALTER TABLE "audit_log" DROP CONSTRAINT "audit_log_actor_type_check";
--> statement-breakpoint
ALTER TABLE "blocklist" DROP CONSTRAINT "blocklist_pattern_type_check";
--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_scopes_check";
--> statement-breakpoint
ALTER TABLE "agents" DROP CONSTRAINT "agents_status_check";
--> statement-breakpoint
ALTER TABLE "agents" DROP CONSTRAINT "agents_platform_check";
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_role_check";
