-- Step 2 of 2 (add_blank_and_regex_rules_not_valid added the rules NOT VALID): every existing row
-- is checked against them, each VALIDATE under SHARE UPDATE EXCLUSIVE (reads and writes go on), in
-- a later transaction than the ADD CONSTRAINT. Hand-written (drizzle-kit models no validation).
-- First, as validate_data_rules does, rows of the global tables (users, extensions, blocklist) that
-- break a rule are named in one line that says what to do, and nothing changes; a group-scoped
-- row (groups, agents, api_keys: the owner may not read them, 0012) fails its VALIDATE, which names
-- the constraint and table.
-- lint-ignore breaks-previous-version: the DO block only reads global tables and raises; it changes nothing
DO $$
DECLARE
  rule record;
  bad text;
  found text[] := '{}';
BEGIN
  FOR rule IN
    SELECT con.conname AS name, con.conrelid::regclass AS tab, pg_get_expr(con.conbin, con.conrelid) AS expression
    FROM pg_catalog.pg_constraint con
    JOIN pg_catalog.pg_class rel ON rel.oid = con.conrelid
    WHERE NOT rel.relrowsecurity AND con.conname IN ('blocklist_pattern_check', 'blocklist_regex_compiles_check', 'extensions_name_check', 'extensions_publisher_check', 'users_display_name_check') AND NOT con.convalidated
    ORDER BY con.conname
  LOOP
    EXECUTE format('SELECT string_agg(id::text, '', '') FROM (SELECT id FROM %s WHERE NOT (%s) ORDER BY id LIMIT 20) AS offending', rule.tab, rule.expression)
      INTO bad;
    IF bad IS NOT NULL THEN
      found := found || format('%s (%s rows, first 20 ids: %s)', rule.name, rule.tab, bad);
    END IF;
  END LOOP;
  IF cardinality(found) > 0 THEN
    RAISE EXCEPTION 'rows break the data rules: %', array_to_string(found, '; ')
      USING HINT = 'Fix or delete those rows (the README, "Data rules in the database", says what each rule demands), then rerun the migrator';
  END IF;
END
$$;
--> statement-breakpoint
ALTER TABLE "agents" VALIDATE CONSTRAINT "agents_display_name_check";
--> statement-breakpoint
ALTER TABLE "api_keys" VALIDATE CONSTRAINT "api_keys_name_check";
--> statement-breakpoint
ALTER TABLE "blocklist" VALIDATE CONSTRAINT "blocklist_pattern_check";
--> statement-breakpoint
ALTER TABLE "blocklist" VALIDATE CONSTRAINT "blocklist_regex_compiles_check";
--> statement-breakpoint
ALTER TABLE "extensions" VALIDATE CONSTRAINT "extensions_name_check";
--> statement-breakpoint
ALTER TABLE "extensions" VALIDATE CONSTRAINT "extensions_publisher_check";
--> statement-breakpoint
ALTER TABLE "groups" VALIDATE CONSTRAINT "groups_name_check";
--> statement-breakpoint
ALTER TABLE "users" VALIDATE CONSTRAINT "users_display_name_check";
