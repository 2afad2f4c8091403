-- PostgreSQL 18 keeps NOT NULL as constraints, named "<table>_<column>_not_null". When 0002 ran
-- SET NOT NULL on 18, 0001's scaffolding CHECKs still held those names (0002 drops them last), so
-- 18 named the new constraints "<table>_<column>_not_null1". schema.sql, a dump restored into 18
-- and pg_upgrade give the plain names, so every later comparison found 46 differences.
-- This gives each such constraint in public the name PostgreSQL 18 gives it by default. Before 18
-- there are no NOT NULL constraints, and nothing happens. Each rename locks its table for an instant.
DO $$
DECLARE
  renamed record;
BEGIN
  FOR renamed IN
    SELECT t.relname AS table_name, c.conname AS name, format('%s_%s_not_null', t.relname, a.attname) AS wanted
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE t.relnamespace = 'public'::regnamespace
      AND c.contype = 'n'
      AND c.conname ~ '_not_null[0-9]+$'
      AND c.conname = format('%s_%s_not_null', t.relname, a.attname) || substring(c.conname FROM '[0-9]+$')
      AND NOT EXISTS (
        SELECT FROM pg_constraint o
        WHERE o.conrelid = c.conrelid AND o.conname = format('%s_%s_not_null', t.relname, a.attname)
      )
    ORDER BY t.relname, c.conname
  LOOP
    EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', renamed.table_name, renamed.name, renamed.wanted);
  END LOOP;
END
$$;
