-- Undoes 0013_revoke_temp_and_large_objects: every role may create temporary tables again, and
-- (when a superuser runs it) large objects. Privileges only.
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    GRANT EXECUTE ON FUNCTION pg_catalog.lo_creat(integer), pg_catalog.lo_create(oid), pg_catalog.lo_from_bytea(oid, bytea) TO PUBLIC;
  END IF;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
  EXECUTE pg_catalog.format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', pg_catalog.current_database());
END
$$;
