-- drops-data: every table of the schema and all their rows
-- Undoes 0000_create_seed_schema: drops the nine tables, referencing tables before the ones they
-- reference, without CASCADE, so an object someone added on top (a view, a foreign key) stops it
-- with an error instead of vanishing too.
DROP TABLE "reports";
--> statement-breakpoint
DROP TABLE "group_extensions";
--> statement-breakpoint
DROP TABLE "api_keys";
--> statement-breakpoint
DROP TABLE "audit_log";
--> statement-breakpoint
DROP TABLE "blocklist";
--> statement-breakpoint
DROP TABLE "agents";
--> statement-breakpoint
DROP TABLE "extensions";
--> statement-breakpoint
DROP TABLE "groups";
--> statement-breakpoint
DROP TABLE "users";
