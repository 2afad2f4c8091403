-- Undoes 0012_add_backup_role: the policies, the owner's refusal function and the backup role's
-- privileges. No row is lost. The role devtools_sync_backup stays: roles are cluster-wide and other
-- databases on the server may use it (drop it by hand with DROP ROLE once no database references it).
DROP POLICY "agents_backup_reads_all" ON "agents" CASCADE;
--> statement-breakpoint
DROP POLICY "agents_owner_refused" ON "agents" CASCADE;
--> statement-breakpoint
DROP POLICY "api_keys_backup_reads_all" ON "api_keys" CASCADE;
--> statement-breakpoint
DROP POLICY "api_keys_owner_refused" ON "api_keys" CASCADE;
--> statement-breakpoint
DROP POLICY "audit_log_backup_reads_all" ON "audit_log" CASCADE;
--> statement-breakpoint
DROP POLICY "audit_log_owner_refused" ON "audit_log" CASCADE;
--> statement-breakpoint
DROP POLICY "group_extensions_backup_reads_all" ON "group_extensions" CASCADE;
--> statement-breakpoint
DROP POLICY "group_extensions_owner_refused" ON "group_extensions" CASCADE;
--> statement-breakpoint
DROP POLICY "groups_backup_reads_all" ON "groups" CASCADE;
--> statement-breakpoint
DROP POLICY "groups_owner_refused" ON "groups" CASCADE;
--> statement-breakpoint
DROP POLICY "reports_backup_reads_all" ON "reports" CASCADE;
--> statement-breakpoint
DROP POLICY "reports_owner_refused" ON "reports" CASCADE;
--> statement-breakpoint
DROP FUNCTION "refuse_owner_row_access"();
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES REVOKE SELECT ON SEQUENCES FROM "devtools_sync_backup";
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM "devtools_sync_backup";
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES REVOKE USAGE ON SCHEMAS FROM "devtools_sync_backup";
--> statement-breakpoint
DO $$
DECLARE
  ledger text;
BEGIN
  FOR ledger IN SELECT nspname FROM pg_namespace WHERE nspname IN ('migrator', 'drizzle') ORDER BY nspname LOOP
    EXECUTE format('REVOKE SELECT ON ALL SEQUENCES IN SCHEMA %I FROM devtools_sync_backup', ledger);
    EXECUTE format('REVOKE SELECT ON ALL TABLES IN SCHEMA %I FROM devtools_sync_backup', ledger);
    EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM devtools_sync_backup', ledger);
  END LOOP;
END
$$;
--> statement-breakpoint
REVOKE SELECT ON ALL SEQUENCES IN SCHEMA "public" FROM "devtools_sync_backup";
--> statement-breakpoint
REVOKE SELECT ON ALL TABLES IN SCHEMA "public" FROM "devtools_sync_backup";
--> statement-breakpoint
REVOKE USAGE ON SCHEMA "public" FROM "devtools_sync_backup";
