-- Undoes 0003_keep_updated_at_current: the database stops setting updated_at on UPDATE (drizzle's
-- $onUpdate still does for writes through it). Dropping a trigger locks its table for an instant.
DROP TRIGGER "blocklist_set_updated_at" ON "blocklist";
--> statement-breakpoint
DROP TRIGGER "agents_set_updated_at" ON "agents";
--> statement-breakpoint
DROP TRIGGER "extensions_set_updated_at" ON "extensions";
--> statement-breakpoint
DROP TRIGGER "groups_set_updated_at" ON "groups";
--> statement-breakpoint
DROP TRIGGER "users_set_updated_at" ON "users";
--> statement-breakpoint
DROP FUNCTION "set_updated_at"();
