-- updated_at must move on every UPDATE by any writer (psql, another service, a future ORM),
-- not only through drizzle's $onUpdate, so the database sets it. Custom SQL: drizzle-kit
-- does not model functions or triggers. Creating a trigger takes a SHARE ROW EXCLUSIVE lock
-- for an instant and scans nothing.
CREATE FUNCTION "set_updated_at"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "users_set_updated_at" BEFORE UPDATE ON "users" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "groups_set_updated_at" BEFORE UPDATE ON "groups" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "extensions_set_updated_at" BEFORE UPDATE ON "extensions" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "agents_set_updated_at" BEFORE UPDATE ON "agents" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "blocklist_set_updated_at" BEFORE UPDATE ON "blocklist" FOR EACH ROW EXECUTE FUNCTION "set_updated_at"();
