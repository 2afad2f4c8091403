-- Undoes validate_data_rules: PostgreSQL cannot mark a constraint not validated again, so each is
-- dropped and added back NOT VALID, exactly as add_data_rules_not_valid left it (an instant ACCESS
-- EXCLUSIVE lock each, no scan).
ALTER TABLE "agents" DROP CONSTRAINT "agents_display_name_check";
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_display_name_check" CHECK (btrim("agents"."display_name") <> '') NOT VALID;
--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_key_prefix_check";
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_key_prefix_check" CHECK ("api_keys"."key_prefix" ~ '^[A-Za-z0-9_-]{8}$') NOT VALID;
--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_name_check";
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_name_check" CHECK (btrim("api_keys"."name") <> '') NOT VALID;
--> statement-breakpoint
ALTER TABLE "audit_log" DROP CONSTRAINT "audit_log_details_check";
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_details_check" CHECK (jsonb_typeof("audit_log"."details") = 'object') NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" DROP CONSTRAINT "blocklist_pattern_check";
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_pattern_check" CHECK (btrim("blocklist"."pattern") <> '') NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" DROP CONSTRAINT "extensions_extension_id_check";
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_extension_id_check" CHECK ("extensions"."extension_id" ~ '^[a-zA-Z0-9][a-zA-Z0-9-]*\.[a-zA-Z0-9][a-zA-Z0-9-]*$') NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" DROP CONSTRAINT "extensions_name_check";
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_name_check" CHECK (btrim("extensions"."name") <> '') NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" DROP CONSTRAINT "extensions_publisher_check";
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_publisher_check" CHECK (btrim("extensions"."publisher") <> '') NOT VALID;
--> statement-breakpoint
ALTER TABLE "groups" DROP CONSTRAINT "groups_name_check";
--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_name_check" CHECK (btrim("groups"."name") <> '') NOT VALID;
--> statement-breakpoint
ALTER TABLE "groups" DROP CONSTRAINT "groups_settings_check";
--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_settings_check" CHECK (jsonb_typeof("groups"."settings") = 'object') NOT VALID;
--> statement-breakpoint
ALTER TABLE "reports" DROP CONSTRAINT "reports_extension_id_check";
--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_extension_id_check" CHECK ("reports"."extension_id" ~ '^[a-zA-Z0-9][a-zA-Z0-9-]*\.[a-zA-Z0-9][a-zA-Z0-9-]*$') NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_email_check";
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_email_check" CHECK ("users"."email" ~ '^[A-Za-z0-9_''+-]+(\.[A-Za-z0-9_''+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$') NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_display_name_check";
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_display_name_check" CHECK (btrim("users"."display_name") <> '') NOT VALID;
