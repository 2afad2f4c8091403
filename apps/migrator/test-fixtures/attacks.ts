// Changes to access control that someone with too many rights could make by hand, each with the one
// difference verify, baseline and up's after-check must name for it. `role` is the role that ran
// the migrations (its default privileges are the ones the migrations set).

export interface AccessAttack {
  sql: string;
  difference: string;
}

export function accessAttacks(role: string): AccessAttack[] {
  return [
    // Exposes users.password_hash, which the read-only role may not read.
    {
      sql: "GRANT SELECT ON users TO devtools_sync_readonly",
      difference: "privilege SELECT on table users to devtools_sync_readonly is extra",
    },
    {
      sql: "GRANT SELECT (password_hash) ON users TO devtools_sync_readonly",
      difference: "privilege SELECT on column users.password_hash to devtools_sync_readonly is extra",
    },
    {
      sql: "GRANT TRUNCATE ON reports TO devtools_sync_app",
      difference: "privilege TRUNCATE on table reports to devtools_sync_app is extra",
    },
    {
      sql: "GRANT CREATE ON SCHEMA public TO PUBLIC",
      difference: "privilege CREATE on schema public to PUBLIC is extra",
    },
    {
      sql: "GRANT EXECUTE ON FUNCTION purge_audit_log(timestamptz) TO PUBLIC",
      difference: "privilege EXECUTE on function purge_audit_log(timestamp with time zone) to PUBLIC is extra",
    },
    {
      sql: "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC",
      difference: `default privilege SELECT on tables created by ${role} in schema public to PUBLIC is extra`,
    },
    {
      sql: "ALTER TABLE api_keys NO FORCE ROW LEVEL SECURITY",
      difference: "table api_keys: row-level security is enabled, expected forced",
    },
    {
      sql: "ALTER POLICY api_keys_presented_key ON api_keys TO devtools_sync_app, devtools_sync_readonly",
      difference:
        "policy api_keys_presented_key on api_keys: roles are devtools_sync_app, devtools_sync_readonly, expected devtools_sync_app",
    },
    {
      sql: "ALTER POLICY audit_log_all_groups ON audit_log USING (false)",
      difference: "policy audit_log_all_groups on audit_log: USING is (false), expected (true)",
    },
    {
      sql: "ALTER POLICY agents_all_groups ON agents WITH CHECK (false)",
      difference: "policy agents_all_groups on agents: WITH CHECK is (false), expected (true)",
    },
    {
      sql: "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
      difference: "trigger audit_log_append_only on audit_log is disabled, expected enabled",
    },
  ];
}
