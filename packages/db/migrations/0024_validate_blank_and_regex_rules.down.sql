-- Undoes validate_blank_and_regex_rules: PostgreSQL cannot mark a constraint not validated again, so
-- each is dropped and added back NOT VALID, exactly as add_blank_and_regex_rules_not_valid left it
-- (an instant ACCESS EXCLUSIVE lock each, no scan).
ALTER TABLE "agents" DROP CONSTRAINT "agents_display_name_check";
--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_display_name_check" CHECK ("agents"."display_name" ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') NOT VALID;
--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_name_check";
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_name_check" CHECK ("api_keys"."name" ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" DROP CONSTRAINT "blocklist_regex_compiles_check";
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_regex_compiles_check" CHECK ("blocklist"."pattern_type" <> 'regex' OR compiles_as_regex("blocklist"."pattern")) NOT VALID;
--> statement-breakpoint
ALTER TABLE "blocklist" DROP CONSTRAINT "blocklist_pattern_check";
--> statement-breakpoint
ALTER TABLE "blocklist" ADD CONSTRAINT "blocklist_pattern_check" CHECK ("blocklist"."pattern" ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" DROP CONSTRAINT "extensions_name_check";
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_name_check" CHECK ("extensions"."name" ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') NOT VALID;
--> statement-breakpoint
ALTER TABLE "extensions" DROP CONSTRAINT "extensions_publisher_check";
--> statement-breakpoint
ALTER TABLE "extensions" ADD CONSTRAINT "extensions_publisher_check" CHECK ("extensions"."publisher" ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') NOT VALID;
--> statement-breakpoint
ALTER TABLE "groups" DROP CONSTRAINT "groups_name_check";
--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_name_check" CHECK ("groups"."name" ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') NOT VALID;
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_display_name_check";
--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_display_name_check" CHECK ("users"."display_name" ~ '[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]') NOT VALID;
