-- Undoes 0009_restrict_global_table_writes: the application role writes the global tables and
-- groups again, as 0005 granted. Grants only; no row changes.
GRANT INSERT, DELETE ON "groups" TO "devtools_sync_app";
--> statement-breakpoint
REVOKE UPDATE ("last_login_at") ON "users" FROM "devtools_sync_app";
--> statement-breakpoint
GRANT INSERT, UPDATE, DELETE ON "extensions", "blocklist", "users" TO "devtools_sync_app";
