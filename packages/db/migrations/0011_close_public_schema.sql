-- 0005 revoked CREATE on schema public from PUBLIC, but a REVOKE by a role that does not own the
-- schema changes nothing (PostgreSQL only warns): where public was owned by another role and open
-- to every role (PostgreSQL's default before 15, kept by pg_upgrade), the service roles could still
-- create tables. The migrator now refuses to run until its role may close it (owns public), and this
-- closes it on the databases 0005 left open. Then it checks, so no tool can apply it in vain.
REVOKE CREATE ON SCHEMA "public" FROM PUBLIC;
--> statement-breakpoint
DO $$
BEGIN
  IF has_schema_privilege('public', 'public', 'CREATE') THEN
    RAISE EXCEPTION 'every role may still create objects in schema public, which % does not own', current_user
      USING HINT = 'As the owner of schema public, run ALTER SCHEMA public OWNER TO ' || quote_ident(current_user) || ', then rerun.';
  END IF;
END
$$;
