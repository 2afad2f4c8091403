-- users_email_key, the exact UNIQUE (email) of the original schema, is redundant beside
-- users_email_lower_key (add_unique_email_and_blocklist_pattern): two addresses equal exactly are
-- equal in lower case too. Nothing depends on it: no foreign key references users (email), and
-- the one ON CONFLICT on it (migrator create-admin) names lower(email) since this release; a
-- sign-in looks users up by lower(email) = lower($1), which uses the remaining index. Dropping a
-- constraint's index takes ACCESS EXCLUSIVE on users for an instant (a constraint's index cannot be
-- dropped CONCURRENTLY); nothing is scanned, and every write to users stops updating one index.
ALTER TABLE "users" DROP CONSTRAINT "users_email_key";
