-- Report writes reach the compliance state only where they can move it. 0017's trigger refreshed
-- every written (group, extension, user) against the rules' views. Now: an update that changes no
-- column compliance reads (agent, installed, version: not the checksum, client ip or time) is
-- dropped first; a (group, extension) that no rule concerns (compliance_extensions says it is not
-- required, not blocked, not pinned, and keeps that exact on every rule change) can have no
-- violation, so only its report count moves; the catalog's verdict is computed only for a pair
-- the group reports for the first time. The lock is taken as before, before the state is read,
-- so a concurrent rule change either ran first (and is seen) or rebuilds the pair after this commit.
-- Its statements, and compliance_refresh's, use generic plans: with the plan cache's default each
-- call planned them afresh (custom plans for the arrays passed), and planning the rules' views cost
-- more than running them (a refresh of one scope at scale 1: 6-7 ms per call, 2.4 ms generic; the
-- generic plans are the same index lookups per scope).
-- CREATE OR REPLACE and ALTER FUNCTION take no lock on any table; the triggers call it by name.
CREATE OR REPLACE FUNCTION "compliance_follow_reports"() RETURNS trigger
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
  SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  written jsonb;
  ruled jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT jsonb_agg(jsonb_build_object('g', group_id, 'e', extension_id, 'u', user_hash, 'n', 1)) INTO written FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT jsonb_agg(jsonb_build_object('g', group_id, 'e', extension_id, 'u', user_hash, 'n', -1)) INTO written FROM old_rows;
  ELSE
    -- The row versions that differ in what compliance reads; the rest cancel out.
    SELECT jsonb_agg(jsonb_build_object('g', group_id, 'e', extension_id, 'u', user_hash, 'n', n)) INTO written
    FROM (
      (SELECT group_id, extension_id, user_hash, agent_id, installed, installed_version, -1 AS n FROM old_rows
       EXCEPT ALL
       SELECT group_id, extension_id, user_hash, agent_id, installed, installed_version, -1 FROM new_rows)
      UNION ALL
      (SELECT group_id, extension_id, user_hash, agent_id, installed, installed_version, 1 FROM new_rows
       EXCEPT ALL
       SELECT group_id, extension_id, user_hash, agent_id, installed, installed_version, 1 FROM old_rows)
    ) w;
  END IF;
  IF written IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM public.compliance_lock(array_agg(w.g), array_agg(w.u))
  FROM jsonb_to_recordset(written) AS w(g uuid, u varchar);
  -- Report counts: pairs the group already has, then pairs new to it (with their verdicts).
  WITH moved AS (
    SELECT w.g, w.e, sum(w.n)::int AS n FROM jsonb_to_recordset(written) AS w(g uuid, e varchar, n int)
    GROUP BY w.g, w.e HAVING sum(w.n) <> 0
  ),
  counted AS (
    UPDATE public.compliance_extensions x SET reports = x.reports + m.n
    FROM moved m WHERE x.group_id = m.g AND x.extension_id = m.e
    RETURNING x.group_id, x.extension_id
  )
  INSERT INTO public.compliance_extensions AS x (group_id, extension_id, reports, is_required, is_blocked, pinned_version)
  SELECT m.g, m.e, m.n, EXISTS (SELECT FROM public.compliance_required_now q WHERE q.group_id = m.g AND q.extension_id = m.e),
    v.is_blocked, v.pinned_version
  FROM moved m
  CROSS JOIN LATERAL public.compliance_verdict(m.e) v
  WHERE NOT EXISTS (SELECT FROM counted c WHERE c.group_id = m.g AND c.extension_id = m.e)
    AND EXISTS (SELECT FROM public.compliance_groups c WHERE c.group_id = m.g)
    AND EXISTS (SELECT FROM public.groups k WHERE k.id = m.g)
  ORDER BY m.g, m.e
  ON CONFLICT (group_id, extension_id) DO UPDATE SET reports = x.reports + excluded.reports;
  -- Only pairs a rule concerns can gain or lose violations.
  SELECT jsonb_agg(w) INTO ruled FROM jsonb_to_recordset(written) AS w(g uuid, e varchar, u varchar)
  WHERE EXISTS (
    SELECT FROM public.compliance_extensions x
    WHERE x.group_id = w.g AND x.extension_id = w.e AND (x.is_required OR x.is_blocked OR x.pinned_version IS NOT NULL));
  IF ruled IS NOT NULL THEN
    PERFORM public.compliance_refresh(array_agg(w.g), array_agg(w.e), array_agg(w.u))
    FROM jsonb_to_recordset(ruled) AS w(g uuid, e varchar, u varchar);
  END IF;
  -- A pair no report names any more, and not required, has nothing to show.
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM public.compliance_extensions x USING jsonb_to_recordset(written) AS w(g uuid, e varchar, n int)
    WHERE w.n < 0 AND x.group_id = w.g AND x.extension_id = w.e AND x.reports = 0 AND NOT x.is_required;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
ALTER FUNCTION "compliance_refresh"(uuid[], varchar[], varchar[]) SET plan_cache_mode = force_generic_plan;
