-- compliance_refresh adds the violations a write brings through the primary key (ON CONFLICT DO
-- NOTHING) instead of a NOT EXISTS over compliance_violations. Since 0026 the function runs as
-- devtools_sync_compliance, under row-level security, and its generic plan turned that NOT EXISTS
-- into a hash anti join over every violation: at scale 1 a 500-entry report batch of the largest
-- group took ~800 ms instead of ~110 ms. The rows added are the same (those not there yet), and
-- RETURNING still lists only them. Same SET clauses as before (0022's plan_cache_mode included);
-- the owner (devtools_sync_compliance) and privileges stay. CREATE OR REPLACE takes no table lock.
CREATE OR REPLACE FUNCTION "compliance_refresh"(scope_groups uuid[], scope_extensions varchar[], scope_users varchar[]) RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  gone jsonb;
  added jsonb;
BEGIN
  WITH scope AS (
    SELECT DISTINCT s.g, s.e, s.u FROM unnest(scope_groups, scope_extensions, scope_users) AS s(g, e, u)
    WHERE EXISTS (SELECT FROM public.compliance_groups c WHERE c.group_id = s.g)
      AND EXISTS (SELECT FROM public.groups k WHERE k.id = s.g)
  ),
  deleted AS (
    DELETE FROM public.compliance_violations t USING scope s
    WHERE t.group_id = s.g AND t.user_hash = s.u AND t.extension_id = s.e
      AND NOT EXISTS (
        SELECT FROM (
          SELECT v.* FROM public.compliance_violations_now v
          WHERE v.group_id = s.g AND v.extension_id = s.e AND v.user_hash = s.u OFFSET 0
        ) v
        WHERE v.problem = t.problem AND v.machine_id = t.machine_id AND v.agent_id = t.agent_id
          AND v.installed_version IS NOT DISTINCT FROM t.installed_version
          AND v.pinned_version IS NOT DISTINCT FROM t.pinned_version)
    RETURNING t.group_id, t.extension_id, t.problem, t.agent_id
  )
  SELECT jsonb_agg(deleted) INTO gone FROM deleted;
  WITH scope AS (
    SELECT DISTINCT s.g, s.e, s.u FROM unnest(scope_groups, scope_extensions, scope_users) AS s(g, e, u)
    WHERE EXISTS (SELECT FROM public.compliance_groups c WHERE c.group_id = s.g)
      AND EXISTS (SELECT FROM public.groups k WHERE k.id = s.g)
  ),
  inserted AS (
    INSERT INTO public.compliance_violations
    SELECT v.* FROM scope s
    CROSS JOIN LATERAL (
      SELECT v.* FROM public.compliance_violations_now v
      WHERE v.group_id = s.g AND v.extension_id = s.e AND v.user_hash = s.u OFFSET 0
    ) v
    ON CONFLICT ON CONSTRAINT compliance_violations_pkey DO NOTHING
    RETURNING group_id, extension_id, problem, agent_id
  )
  SELECT jsonb_agg(inserted) INTO added FROM inserted;
  IF gone IS NULL AND added IS NULL THEN
    RETURN;
  END IF;
  -- What changed, +1 per violation added and -1 per violation gone, then the counts it moves.
  WITH changed AS (
    SELECT c.*, -1 AS n FROM jsonb_to_recordset(coalesce(gone, '[]')) AS c(group_id uuid, extension_id varchar, problem varchar, agent_id uuid)
    UNION ALL
    SELECT c.*, 1 FROM jsonb_to_recordset(coalesce(added, '[]')) AS c(group_id uuid, extension_id varchar, problem varchar, agent_id uuid)
  ),
  -- An agent counts once per extension: it became a problem agent when it had no violation of it before.
  agent_extension AS (
    SELECT c.group_id, c.extension_id, sum(c.n) AS n,
      (SELECT count(*) FROM public.compliance_violations t
       WHERE t.group_id = c.group_id AND t.agent_id = c.agent_id AND t.extension_id = c.extension_id) AS now
    FROM changed c GROUP BY c.group_id, c.extension_id, c.agent_id
  ),
  per_extension AS (
    SELECT group_id, extension_id,
      sum((now > 0)::int - (now - n > 0)::int) AS problem_agents
    FROM agent_extension GROUP BY group_id, extension_id
  ),
  counts AS (
    SELECT c.group_id, c.extension_id,
      sum(c.n) FILTER (WHERE c.problem = 'missing_required') AS missing,
      sum(c.n) FILTER (WHERE c.problem = 'blocked') AS blocked,
      sum(c.n) FILTER (WHERE c.problem = 'wrong_version') AS wrong_version
    FROM changed c GROUP BY c.group_id, c.extension_id
  )
  UPDATE public.compliance_extensions x SET
    missing = x.missing + coalesce(c.missing, 0),
    blocked = x.blocked + coalesce(c.blocked, 0),
    wrong_version = x.wrong_version + coalesce(c.wrong_version, 0),
    problem_agents = x.problem_agents + p.problem_agents
  FROM counts c JOIN per_extension p USING (group_id, extension_id)
  WHERE x.group_id = c.group_id AND x.extension_id = c.extension_id;
  WITH changed AS (
    SELECT c.*, -1 AS n FROM jsonb_to_recordset(coalesce(gone, '[]')) AS c(group_id uuid, agent_id uuid)
    UNION ALL
    SELECT c.*, 1 FROM jsonb_to_recordset(coalesce(added, '[]')) AS c(group_id uuid, agent_id uuid)
  ),
  per_agent AS (
    SELECT c.group_id, sum(c.n) AS n,
      (SELECT count(*) FROM public.compliance_violations t WHERE t.group_id = c.group_id AND t.agent_id = c.agent_id) AS now
    FROM changed c GROUP BY c.group_id, c.agent_id
  )
  UPDATE public.compliance_groups g SET problem_agents = g.problem_agents + d.problem_agents
  FROM (SELECT group_id, sum((now > 0)::int - (now - n > 0)::int) AS problem_agents FROM per_agent GROUP BY group_id) d
  WHERE g.group_id = d.group_id AND d.problem_agents <> 0;
END
$$;
