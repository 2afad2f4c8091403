-- Undoes 0005_enforce_least_privilege: the audit trigger and purge function, the grants, the
-- policies, row-level security and the hash CHECKs. No row is lost. The three group roles stay:
-- roles are cluster-wide and other databases on the server may use them (drop them by hand
-- with DROP ROLE once no database references them). PUBLIC does not get CREATE on schema public
-- back: PostgreSQL 15 and later do not give it either.
DROP FUNCTION "purge_audit_log"(timestamptz);
--> statement-breakpoint
DROP TRIGGER "audit_log_no_truncate" ON "audit_log";
--> statement-breakpoint
DROP TRIGGER "audit_log_append_only" ON "audit_log";
--> statement-breakpoint
DROP FUNCTION "audit_log_append_only"();
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "public" REVOKE USAGE, SELECT ON SEQUENCES FROM "devtools_sync_app", "devtools_sync_admin";
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "public" REVOKE SELECT ON TABLES FROM "devtools_sync_readonly";
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "public" REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM "devtools_sync_app", "devtools_sync_admin";
--> statement-breakpoint
REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "devtools_sync_app", "devtools_sync_readonly", "devtools_sync_admin";
--> statement-breakpoint
REVOKE SELECT ("id", "email", "display_name", "role", "is_active", "last_login_at", "created_at", "updated_at", "deleted_at") ON "users" FROM "devtools_sync_readonly";
--> statement-breakpoint
REVOKE USAGE ON SCHEMA "public" FROM "devtools_sync_app", "devtools_sync_readonly", "devtools_sync_admin";
--> statement-breakpoint
DROP POLICY "agents_own_group" ON "agents";
--> statement-breakpoint
DROP POLICY "agents_all_groups" ON "agents";
--> statement-breakpoint
DROP POLICY "api_keys_own_group" ON "api_keys";
--> statement-breakpoint
DROP POLICY "api_keys_all_groups" ON "api_keys";
--> statement-breakpoint
DROP POLICY "api_keys_presented_key" ON "api_keys";
--> statement-breakpoint
DROP POLICY "audit_log_own_group" ON "audit_log";
--> statement-breakpoint
DROP POLICY "audit_log_all_groups" ON "audit_log";
--> statement-breakpoint
DROP POLICY "group_extensions_own_group" ON "group_extensions";
--> statement-breakpoint
DROP POLICY "group_extensions_all_groups" ON "group_extensions";
--> statement-breakpoint
DROP POLICY "groups_own_group" ON "groups";
--> statement-breakpoint
DROP POLICY "groups_all_groups" ON "groups";
--> statement-breakpoint
DROP POLICY "reports_own_group" ON "reports";
--> statement-breakpoint
DROP POLICY "reports_all_groups" ON "reports";
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_password_hash_check";
--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_key_hash_check";
--> statement-breakpoint
ALTER TABLE "agents" NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "api_keys" NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "audit_log" NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "group_extensions" NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "groups" NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "reports" NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
