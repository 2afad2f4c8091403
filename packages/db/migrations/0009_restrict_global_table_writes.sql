-- The application role no longer writes what other groups depend on. 0005 gave it every table;
-- rows of the global tables (users, extensions, blocklist) and whole groups are shared by or
-- cascade into every group, so a bug or a stolen service credential, bound to any group or none,
-- could delete an extension (and every group's group_extensions row with it), delete a user
-- (unlinking every group's keys and extensions they made), flip is_blocked, drop blocklist
-- entries every group's compliance reads, or hard-delete a group. These become the admin role's:
--   - extensions and blocklist: the application role reads them only;
--   - users: it reads them (sign-in) and records a sign-in (last_login_at), nothing else;
--   - groups: it reads and updates its own group (row-level security), never creates or deletes one.
-- Grants only: instant, no table is scanned or rewritten.
REVOKE INSERT, UPDATE, DELETE ON "extensions", "blocklist", "users" FROM "devtools_sync_app";
--> statement-breakpoint
GRANT UPDATE ("last_login_at") ON "users" TO "devtools_sync_app";
--> statement-breakpoint
REVOKE INSERT, DELETE ON "groups" FROM "devtools_sync_app";
