-- Undoes 0010_name_not_null_constraints: on PostgreSQL 18, gives the NOT NULL constraints 0002 made
-- their "<table>_<column>_not_null1" names back, so that 0002's down migration can re-create
-- 0001's CHECKs under the plain names. Before 18 there are no NOT NULL constraints: nothing happens.
DO $$
DECLARE
  renamed record;
BEGIN
  FOR renamed IN
    SELECT t.relname AS table_name, c.conname AS name
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    WHERE t.relnamespace = 'public'::regnamespace
      AND c.contype = 'n'
      AND c.conname IN (
    'agents_created_at_not_null', 'agents_status_not_null', 'agents_updated_at_not_null', 
    'api_keys_created_at_not_null', 'api_keys_scopes_not_null', 'audit_log_created_at_not_null', 
    'audit_log_details_not_null', 'blocklist_created_at_not_null', 'blocklist_is_active_not_null', 
    'blocklist_updated_at_not_null', 'extensions_created_at_not_null', 
    'extensions_is_blocked_not_null', 'extensions_updated_at_not_null', 
    'group_extensions_created_at_not_null', 'group_extensions_is_required_not_null', 
    'groups_created_at_not_null', 'groups_settings_not_null', 'groups_updated_at_not_null', 
    'reports_reported_at_not_null', 'users_created_at_not_null', 'users_is_active_not_null', 
    'users_role_not_null', 'users_updated_at_not_null'
      )
    ORDER BY t.relname, c.conname
  LOOP
    EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', renamed.table_name, renamed.name, renamed.name || '1');
  END LOOP;
END
$$;
