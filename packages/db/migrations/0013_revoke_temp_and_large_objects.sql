-- The services' roles create no temporary tables and no large objects. Both outlive the
-- transaction on a pooled connection (a TEMP table lives as long as the session, a large object
-- for good): a transaction bound to one group could copy its rows there for the connection's next
-- user, and the read-only role could store data. Privileges only: instant.
--
-- TEMPORARY on the database: every role had it through PUBLIC; the database's owner (the migrator's
-- role) and superusers keep it. Then it checks, as 0011 does, so a role that does not own the
-- database (whose REVOKE PostgreSQL only warns about) cannot apply it in vain.
DO $$
BEGIN
  EXECUTE pg_catalog.format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', pg_catalog.current_database());
  IF pg_catalog.has_database_privilege('public', pg_catalog.current_database(), 'TEMPORARY') THEN
    RAISE EXCEPTION 'every role may still create temporary tables in database %, which % does not own', pg_catalog.current_database(), current_user
      USING HINT = 'As the owner of the database, run ALTER DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' OWNER TO ' || pg_catalog.quote_ident(current_user) || ', then rerun.';
  END IF;
END
$$;
--> statement-breakpoint
-- Creating a large object takes no privilege but EXECUTE on these functions (reading or writing
-- one needs its owner's grant, unless a superuser turns lo_compat_privileges on). PUBLIC holds it,
-- and only a superuser may revoke it (the functions belong to PostgreSQL). Run by a superuser, this
-- revokes them in this database; otherwise it leaves them and says so (the README names the
-- statement for the DBA).
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    REVOKE EXECUTE ON FUNCTION pg_catalog.lo_creat(integer), pg_catalog.lo_create(oid), pg_catalog.lo_from_bytea(oid, bytea) FROM PUBLIC;
  ELSE
    RAISE NOTICE 'large objects: % is not a superuser, so lo_creat, lo_create and lo_from_bytea stay executable by every role; a superuser closes them with: REVOKE EXECUTE ON FUNCTION lo_creat(integer), lo_create(oid), lo_from_bytea(oid, bytea) FROM PUBLIC', current_user;
  END IF;
END
$$;
