-- Back to 0017's trigger function: every written report refreshes its (group, extension, user).
-- CREATE OR REPLACE FUNCTION takes no lock on any table.
CREATE OR REPLACE FUNCTION "compliance_follow_reports"() RETURNS trigger
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  written jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT jsonb_agg(jsonb_build_object('g', group_id, 'e', extension_id, 'u', user_hash, 'n', 1)) INTO written FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT jsonb_agg(jsonb_build_object('g', group_id, 'e', extension_id, 'u', user_hash, 'n', -1)) INTO written FROM old_rows;
  ELSE
    SELECT jsonb_agg(jsonb_build_object('g', group_id, 'e', extension_id, 'u', user_hash, 'n', n)) INTO written
    FROM (SELECT group_id, extension_id, user_hash, -1 AS n FROM old_rows
          UNION ALL SELECT group_id, extension_id, user_hash, 1 FROM new_rows) w;
  END IF;
  IF written IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM public.compliance_lock(array_agg(w.g), array_agg(w.u))
  FROM jsonb_to_recordset(written) AS w(g uuid, u varchar);
  INSERT INTO public.compliance_extensions AS x (group_id, extension_id, reports, is_required, is_blocked, pinned_version)
  SELECT d.g, d.e, d.n, EXISTS (SELECT FROM public.compliance_required_now q WHERE q.group_id = d.g AND q.extension_id = d.e),
    v.is_blocked, v.pinned_version
  FROM (
    SELECT w.g, w.e, sum(w.n)::int AS n FROM jsonb_to_recordset(written) AS w(g uuid, e varchar, n int)
    GROUP BY w.g, w.e HAVING sum(w.n) <> 0
  ) d
  CROSS JOIN LATERAL public.compliance_verdict(d.e) v
  WHERE EXISTS (SELECT FROM public.compliance_groups c WHERE c.group_id = d.g)
    AND EXISTS (SELECT FROM public.groups k WHERE k.id = d.g)
  ORDER BY d.g, d.e
  ON CONFLICT (group_id, extension_id) DO UPDATE SET reports = x.reports + excluded.reports;
  PERFORM public.compliance_refresh(array_agg(w.g), array_agg(w.e), array_agg(w.u))
  FROM jsonb_to_recordset(written) AS w(g uuid, e varchar, u varchar);
  -- A pair no report names any more, and not required, has nothing to show.
  DELETE FROM public.compliance_extensions x USING jsonb_to_recordset(written) AS w(g uuid, e varchar)
  WHERE x.group_id = w.g AND x.extension_id = w.e AND x.reports = 0 AND NOT x.is_required;
  RETURN NULL;
END
$$;
--> statement-breakpoint
ALTER FUNCTION "compliance_refresh"(uuid[], varchar[], varchar[]) RESET plan_cache_mode;
