-- Compliance kept current on write (issue 16). The tables, their indexes and policies are generated
-- by drizzle-kit from src/schema/compliance-state.ts; the views, functions and triggers below them
-- are hand-written (drizzle-kit models none). One transaction under the migrator's lock_timeout:
-- the tables are new (their constraints and indexes scan nothing), and each trigger locks its
-- table for an instant. No group is built here: the triggers skip a group until 0018 builds it.
-- lint-ignore prefer-text-field: a new table whose columns copy the types of the reports and agents columns they come from
-- lint-ignore prefer-bigint-over-int: counts of one group's agents and reports, far below 2^31
CREATE TABLE "compliance_extensions" (
	"group_id" uuid NOT NULL,
	"extension_id" varchar(255) NOT NULL,
	"reports" integer DEFAULT 0 NOT NULL,
	"is_required" boolean DEFAULT false NOT NULL,
	"is_blocked" boolean DEFAULT false NOT NULL,
	"pinned_version" varchar(50),
	"missing" integer DEFAULT 0 NOT NULL,
	"blocked" integer DEFAULT 0 NOT NULL,
	"wrong_version" integer DEFAULT 0 NOT NULL,
	"problem_agents" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "compliance_extensions_pkey" PRIMARY KEY("group_id","extension_id")
);
--> statement-breakpoint
ALTER TABLE "compliance_extensions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
-- lint-ignore prefer-bigint-over-int: counts of one group's agents, far below 2^31
CREATE TABLE "compliance_groups" (
	"group_id" uuid PRIMARY KEY NOT NULL,
	"live_agents" integer DEFAULT 0 NOT NULL,
	"problem_agents" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "compliance_groups" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
-- lint-ignore prefer-text-field: a new table whose columns copy the types of the reports and agents columns they come from
CREATE TABLE "compliance_violations" (
	"group_id" uuid NOT NULL,
	"extension_id" varchar(255) NOT NULL,
	"problem" varchar(20) NOT NULL,
	"machine_id" varchar(64) NOT NULL,
	"user_hash" varchar(64) NOT NULL,
	"agent_id" uuid NOT NULL,
	"installed_version" varchar(50),
	"pinned_version" varchar(50),
	CONSTRAINT "compliance_violations_pkey" PRIMARY KEY("group_id","extension_id","problem","machine_id","user_hash")
);
--> statement-breakpoint
ALTER TABLE "compliance_violations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "compliance_extensions" ADD CONSTRAINT "compliance_extensions_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compliance_groups" ADD CONSTRAINT "compliance_groups_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compliance_violations" ADD CONSTRAINT "compliance_violations_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "compliance_violations_problem_idx" ON "compliance_violations" USING btree ("group_id","problem","extension_id","machine_id","user_hash");--> statement-breakpoint
CREATE INDEX "compliance_violations_user_idx" ON "compliance_violations" USING btree ("group_id","user_hash","extension_id");--> statement-breakpoint
CREATE INDEX "compliance_violations_agent_idx" ON "compliance_violations" USING btree ("group_id","agent_id","extension_id");--> statement-breakpoint
CREATE POLICY "compliance_extensions_own_group" ON "compliance_extensions" AS PERMISSIVE FOR ALL TO "devtools_sync_app", "devtools_sync_readonly" USING ("compliance_extensions"."group_id" = nullif(current_setting('devtools_sync.group_id', true), '')::uuid) WITH CHECK ("compliance_extensions"."group_id" = nullif(current_setting('devtools_sync.group_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "compliance_extensions_all_groups" ON "compliance_extensions" AS PERMISSIVE FOR ALL TO "devtools_sync_admin" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "compliance_extensions_backup_reads_all" ON "compliance_extensions" AS PERMISSIVE FOR SELECT TO "devtools_sync_backup" USING (true);--> statement-breakpoint
CREATE POLICY "compliance_extensions_owner_refused" ON "compliance_extensions" AS PERMISSIVE FOR ALL TO "pg_database_owner" USING (refuse_owner_row_access()) WITH CHECK (refuse_owner_row_access());--> statement-breakpoint
CREATE POLICY "compliance_groups_own_group" ON "compliance_groups" AS PERMISSIVE FOR ALL TO "devtools_sync_app", "devtools_sync_readonly" USING ("compliance_groups"."group_id" = nullif(current_setting('devtools_sync.group_id', true), '')::uuid) WITH CHECK ("compliance_groups"."group_id" = nullif(current_setting('devtools_sync.group_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "compliance_groups_all_groups" ON "compliance_groups" AS PERMISSIVE FOR ALL TO "devtools_sync_admin" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "compliance_groups_backup_reads_all" ON "compliance_groups" AS PERMISSIVE FOR SELECT TO "devtools_sync_backup" USING (true);--> statement-breakpoint
CREATE POLICY "compliance_groups_owner_refused" ON "compliance_groups" AS PERMISSIVE FOR ALL TO "pg_database_owner" USING (refuse_owner_row_access()) WITH CHECK (refuse_owner_row_access());--> statement-breakpoint
CREATE POLICY "compliance_violations_own_group" ON "compliance_violations" AS PERMISSIVE FOR ALL TO "devtools_sync_app", "devtools_sync_readonly" USING ("compliance_violations"."group_id" = nullif(current_setting('devtools_sync.group_id', true), '')::uuid) WITH CHECK ("compliance_violations"."group_id" = nullif(current_setting('devtools_sync.group_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "compliance_violations_all_groups" ON "compliance_violations" AS PERMISSIVE FOR ALL TO "devtools_sync_admin" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "compliance_violations_backup_reads_all" ON "compliance_violations" AS PERMISSIVE FOR SELECT TO "devtools_sync_backup" USING (true);--> statement-breakpoint
CREATE POLICY "compliance_violations_owner_refused" ON "compliance_violations" AS PERMISSIVE FOR ALL TO "pg_database_owner" USING (refuse_owner_row_access()) WITH CHECK (refuse_owner_row_access());
--> statement-breakpoint
-- Hand-written from here on (drizzle-kit models neither views, functions nor triggers).
-- Row-level security binds the owner too, as on every group-scoped table (0005, 0012).
ALTER TABLE "compliance_extensions" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "compliance_groups" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "compliance_violations" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- The rules, written once; every function and trigger below keeps the three tables equal to these
-- views. Views run as the caller (security_invoker): row-level security applies to what they read.
-- The catalog's verdict on an extension id: its pin, and whether the catalog or an active
-- blocklist entry blocks it (exact id, publisher = the part before the dot, or a regex match).
CREATE FUNCTION "compliance_verdict"(extension_id varchar) RETURNS TABLE (pinned_version varchar, is_blocked boolean)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY
  SELECT e.pinned_version,
    coalesce(e.is_blocked, false) OR EXISTS (
      SELECT FROM public.blocklist b
      WHERE b.is_active AND CASE b.pattern_type
        WHEN 'exact' THEN b.pattern = $1
        WHEN 'publisher' THEN b.pattern = split_part($1, '.', 1)
        WHEN 'regex' THEN $1 ~ b.pattern
      END)
  FROM (SELECT) one LEFT JOIN public.extensions e ON e.extension_id = $1 AND e.deleted_at IS NULL;
END
$$;
--> statement-breakpoint
-- The extensions each group requires (catalog entries not deleted).
CREATE VIEW "compliance_required_now" WITH (security_invoker = true) AS
  SELECT ge.group_id, e.extension_id, e.pinned_version
  FROM public.group_extensions ge JOIN public.extensions e ON e.id = ge.extension_id AND e.deleted_at IS NULL
  WHERE ge.is_required;
--> statement-breakpoint
-- Every violation: an installed report, sent by a live agent (not deleted, not disabled) of its
-- group, of a blocked extension or at another version than the pinned one; and a live agent whose
-- user has no installed report of a required extension.
CREATE VIEW "compliance_violations_now" WITH (security_invoker = true) AS
  SELECT r.group_id, r.extension_id, p.problem, a.machine_id, r.user_hash, a.id AS agent_id,
    r.installed_version, v.pinned_version
  FROM public.reports r
  JOIN public.agents a ON a.id = r.agent_id AND a.group_id = r.group_id AND a.deleted_at IS NULL AND a.status <> 'disabled'
  CROSS JOIN LATERAL public.compliance_verdict(r.extension_id) v
  CROSS JOIN LATERAL (VALUES
    ('blocked'::varchar(20), v.is_blocked),
    ('wrong_version'::varchar(20), v.pinned_version IS NOT NULL AND r.installed_version IS DISTINCT FROM v.pinned_version)
  ) p(problem, applies)
  WHERE r.installed AND p.applies
  UNION ALL
  SELECT a.group_id, q.extension_id, 'missing_required'::varchar(20), a.machine_id, a.user_hash, a.id,
    NULL::varchar(50), q.pinned_version
  FROM public.compliance_required_now q
  JOIN public.agents a ON a.group_id = q.group_id AND a.deleted_at IS NULL AND a.status <> 'disabled'
  WHERE NOT EXISTS (
    SELECT FROM public.reports i
    WHERE i.user_hash = a.user_hash AND i.group_id = a.group_id AND i.extension_id = q.extension_id AND i.installed);
--> statement-breakpoint
-- What compliance_extensions holds, from the reports, the rules and compliance_violations: one
-- row per extension a group reports or requires.
CREATE VIEW "compliance_extensions_now" WITH (security_invoker = true) AS
  SELECT x.group_id, x.extension_id, x.reports, x.is_required, v.is_blocked, v.pinned_version,
    coalesce(c.missing, 0) AS missing, coalesce(c.blocked, 0) AS blocked,
    coalesce(c.wrong_version, 0) AS wrong_version, coalesce(c.problem_agents, 0) AS problem_agents
  FROM (
    SELECT s.group_id, s.extension_id, sum(s.reports)::int AS reports, bool_or(s.required) AS is_required
    FROM (
      SELECT r.group_id, r.extension_id, 1 AS reports, false AS required FROM public.reports r
      UNION ALL
      SELECT q.group_id, q.extension_id, 0, true FROM public.compliance_required_now q
    ) s
    GROUP BY s.group_id, s.extension_id
  ) x
  CROSS JOIN LATERAL public.compliance_verdict(x.extension_id) v
  LEFT JOIN (
    SELECT t.group_id, t.extension_id,
      count(*) FILTER (WHERE t.problem = 'missing_required')::int AS missing,
      count(*) FILTER (WHERE t.problem = 'blocked')::int AS blocked,
      count(*) FILTER (WHERE t.problem = 'wrong_version')::int AS wrong_version,
      count(DISTINCT t.agent_id)::int AS problem_agents
    FROM public.compliance_violations t
    GROUP BY t.group_id, t.extension_id
  ) c ON c.group_id = x.group_id AND c.extension_id = x.extension_id;
--> statement-breakpoint
-- What compliance_groups holds: live agents, and live agents with any violation.
CREATE VIEW "compliance_groups_now" WITH (security_invoker = true) AS
  SELECT g.id AS group_id,
    (SELECT count(*) FROM public.agents a WHERE a.group_id = g.id AND a.deleted_at IS NULL AND a.status <> 'disabled')::int AS live_agents,
    (SELECT count(DISTINCT t.agent_id) FROM public.compliance_violations t WHERE t.group_id = g.id)::int AS problem_agents
  FROM public.groups g;
--> statement-breakpoint
-- Serializes the maintenance of one group's state. Writers of a few users take the group's lock
-- shared and each (group, user) exclusively, so concurrent batches of different users run side by
-- side and two changes of one user's state apply one after the other; writers of many users (a
-- rule change, a group's build, a mass update of agents) take the group's lock exclusively.
-- Always in (group, user) order, so two writers never wait for each other in a cycle.
CREATE FUNCTION "compliance_lock"(scope_groups uuid[], scope_users varchar[]) RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF (SELECT count(DISTINCT (g, u)) FROM unnest(scope_groups, scope_users) AS s(g, u)) > 64 THEN
    PERFORM pg_advisory_xact_lock(1668246272, hashtext(g::text))
    FROM (SELECT DISTINCT g FROM unnest(scope_groups) AS s(g) ORDER BY g) s;
  ELSE
    PERFORM pg_advisory_xact_lock_shared(1668246272, hashtext(g::text))
    FROM (SELECT DISTINCT g FROM unnest(scope_groups) AS s(g) ORDER BY g) s;
    PERFORM pg_advisory_xact_lock(hashtextextended(g::text || u, 1668246272))
    FROM (SELECT DISTINCT g, u FROM unnest(scope_groups, scope_users) AS s(g, u) ORDER BY g, u) s;
  END IF;
END
$$;
--> statement-breakpoint
-- The views are read one scope at a time (LATERAL ... OFFSET 0): joined to a set of scopes, the
-- planner may compute a view whole (every report) and hash it; fenced, each scope is a few index
-- lookups whatever the set's size.
-- Brings compliance_violations up to date for each scope (group, extension, user) and moves the
-- counts of compliance_extensions and compliance_groups by what changed. Groups not built yet (no
-- compliance_groups row) or deleted are skipped: their build reads everything.
CREATE FUNCTION "compliance_refresh"(scope_groups uuid[], scope_extensions varchar[], scope_users varchar[]) RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
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
    WHERE NOT EXISTS (
      SELECT FROM public.compliance_violations t
      WHERE t.group_id = v.group_id AND t.extension_id = v.extension_id AND t.problem = v.problem
        AND t.machine_id = v.machine_id AND t.user_hash = v.user_hash)
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
--> statement-breakpoint
-- Recomputes every violation and count of whole (group, extension) pairs and the totals of their
-- groups, under the groups' exclusive locks: what a rule change (requirement, pin, block) needs.
CREATE FUNCTION "compliance_rebuild"(scope_groups uuid[], scope_extensions varchar[]) RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  built uuid[];
BEGIN
  PERFORM pg_advisory_xact_lock(1668246272, hashtext(g::text))
  FROM (SELECT DISTINCT g FROM unnest(scope_groups) AS s(g) ORDER BY g) s;
  SELECT array_agg(c.group_id) INTO built FROM public.compliance_groups c
  WHERE c.group_id = ANY (scope_groups) AND EXISTS (SELECT FROM public.groups k WHERE k.id = c.group_id);
  IF built IS NULL THEN
    RETURN;
  END IF;
  DELETE FROM public.compliance_violations t USING unnest(scope_groups, scope_extensions) AS s(g, e)
  WHERE t.group_id = s.g AND t.extension_id = s.e;
  INSERT INTO public.compliance_violations
  SELECT v.* FROM (SELECT DISTINCT s.g, s.e FROM unnest(scope_groups, scope_extensions) AS s(g, e) WHERE s.g = ANY (built)) p
  CROSS JOIN LATERAL (
    SELECT v.* FROM public.compliance_violations_now v WHERE v.group_id = p.g AND v.extension_id = p.e OFFSET 0
  ) v;
  DELETE FROM public.compliance_extensions x USING unnest(scope_groups, scope_extensions) AS s(g, e)
  WHERE x.group_id = s.g AND x.extension_id = s.e;
  INSERT INTO public.compliance_extensions
  SELECT n.*
  FROM (SELECT DISTINCT s.g, s.e FROM unnest(scope_groups, scope_extensions) AS s(g, e) WHERE s.g = ANY (built)) p
  CROSS JOIN LATERAL (
    SELECT n.* FROM public.compliance_extensions_now n WHERE n.group_id = p.g AND n.extension_id = p.e OFFSET 0
  ) n;
  UPDATE public.compliance_groups c SET live_agents = n.live_agents, problem_agents = n.problem_agents
  FROM unnest(built) AS b(g)
  CROSS JOIN LATERAL (SELECT n.* FROM public.compliance_groups_now n WHERE n.group_id = b.g OFFSET 0) n
  WHERE c.group_id = b.g;
END
$$;
--> statement-breakpoint
-- Reports: a new or deleted row moves its (group, extension)'s report count (a pair seen for the
-- first time gets its verdicts); any written row refreshes its (group, extension, user). An
-- unchanged entry re-reported writes no row, so it costs nothing here.
CREATE FUNCTION "compliance_follow_reports"() RETURNS trigger
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
-- Agents: a change of group, machine id, user or liveness (deleted, disabled) moves the group's
-- live count and refreshes the agent's missing required extensions and the reports it sent.
-- A heartbeat changes none of these and returns at the first query.
CREATE FUNCTION "compliance_follow_agents"() RETURNS trigger
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  changed jsonb;
  scopes jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT jsonb_agg(jsonb_build_object('id', id, 'g', group_id, 'u', user_hash, 'n', 1)) INTO changed
    FROM new_rows WHERE deleted_at IS NULL AND status <> 'disabled';
  ELSIF TG_OP = 'DELETE' THEN
    SELECT jsonb_agg(jsonb_build_object('id', id, 'g', group_id, 'u', user_hash, 'n', -1)) INTO changed
    FROM old_rows WHERE deleted_at IS NULL AND status <> 'disabled';
  ELSE
    SELECT jsonb_agg(w) INTO changed FROM (
      SELECT o.id, o.group_id AS g, o.user_hash AS u, -1 AS n
      FROM old_rows o JOIN new_rows w ON w.id = o.id
      WHERE o.deleted_at IS NULL AND o.status <> 'disabled'
        AND (w.group_id, w.machine_id, w.user_hash, w.deleted_at IS NULL AND w.status <> 'disabled')
          IS DISTINCT FROM (o.group_id, o.machine_id, o.user_hash, true)
      UNION ALL
      SELECT w.id, w.group_id, w.user_hash, 1
      FROM old_rows o JOIN new_rows w ON w.id = o.id
      WHERE w.deleted_at IS NULL AND w.status <> 'disabled'
        AND (o.group_id, o.machine_id, o.user_hash, o.deleted_at IS NULL AND o.status <> 'disabled')
          IS DISTINCT FROM (w.group_id, w.machine_id, w.user_hash, true)
    ) w;
  END IF;
  IF changed IS NULL THEN
    RETURN NULL;
  END IF;
  -- The agents' users' required extensions, and the reports the agents sent.
  SELECT jsonb_agg(s) INTO scopes FROM (
    SELECT c.g, q.extension_id AS e, c.u
    FROM jsonb_to_recordset(changed) AS c(g uuid, u varchar)
    JOIN public.compliance_required_now q ON q.group_id = c.g
    UNION
    SELECT r.group_id, r.extension_id, r.user_hash
    FROM jsonb_to_recordset(changed) AS c(id uuid)
    CROSS JOIN LATERAL (SELECT r.* FROM public.reports r WHERE r.agent_id = c.id OFFSET 0) r
  ) s;
  PERFORM public.compliance_lock(array_agg(g), array_agg(u)) FROM (
    SELECT c.g, c.u FROM jsonb_to_recordset(changed) AS c(g uuid, u varchar)
    UNION ALL SELECT s.g, s.u FROM jsonb_to_recordset(coalesce(scopes, '[]')) AS s(g uuid, u varchar)
  ) l;
  UPDATE public.compliance_groups x SET live_agents = x.live_agents + d.n
  FROM (SELECT c.g, sum(c.n)::int AS n FROM jsonb_to_recordset(changed) AS c(g uuid, n int) GROUP BY c.g) d
  WHERE x.group_id = d.g AND d.n <> 0;
  PERFORM public.compliance_refresh(array_agg(s.g), array_agg(s.e), array_agg(s.u))
  FROM jsonb_to_recordset(coalesce(scopes, '[]')) AS s(g uuid, e varchar, u varchar);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Rules: a requirement, catalog entry or blocklist pattern that changes rebuilds every (group,
-- extension) pair whose verdict it may change. Rare administrative writes, each paying for the
-- pairs it touches (a popular extension: every group that reports it).
CREATE FUNCTION "compliance_follow_rules"() RETURNS trigger
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rule_rows jsonb;
  pairs jsonb;
BEGIN
  -- The written rows (both versions of an updated one), as JSON: one code path for every table and event.
  IF TG_OP = 'INSERT' THEN
    SELECT jsonb_agg(to_jsonb(w)) INTO rule_rows FROM new_rows w;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT jsonb_agg(to_jsonb(o)) INTO rule_rows FROM old_rows o;
  ELSE
    SELECT jsonb_agg(r) INTO rule_rows FROM (
      SELECT to_jsonb(o) - 'updated_at' AS r FROM old_rows o
      UNION
      SELECT to_jsonb(w) - 'updated_at' FROM new_rows w
    ) changed
    -- A row whose versions differ appears twice; an unchanged one once, and concerns nothing.
    WHERE (SELECT count(*) FROM old_rows o WHERE o.id = (changed.r ->> 'id')::uuid AND to_jsonb(o) - 'updated_at' = changed.r)
      + (SELECT count(*) FROM new_rows w WHERE w.id = (changed.r ->> 'id')::uuid AND to_jsonb(w) - 'updated_at' = changed.r) = 1;
  END IF;
  IF rule_rows IS NULL THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'group_extensions' THEN
    SELECT jsonb_agg(DISTINCT jsonb_build_object('g', r ->> 'group_id', 'e', e.extension_id)) INTO pairs
    FROM jsonb_array_elements(rule_rows) r JOIN public.extensions e ON e.id = (r ->> 'extension_id')::uuid;
  ELSE
    -- The extension ids the change may concern: the catalog rows' own, or those a pattern matches.
    WITH ids AS (
      SELECT r ->> 'extension_id' AS extension_id FROM jsonb_array_elements(rule_rows) r
      WHERE TG_TABLE_NAME = 'extensions'
      UNION
      SELECT x.extension_id FROM (
        SELECT DISTINCT extension_id FROM public.compliance_extensions
        UNION SELECT extension_id FROM public.extensions
      ) x
      WHERE TG_TABLE_NAME = 'blocklist' AND EXISTS (
        SELECT FROM jsonb_array_elements(rule_rows) b
        WHERE CASE b ->> 'pattern_type'
          WHEN 'exact' THEN b ->> 'pattern' = x.extension_id
          WHEN 'publisher' THEN b ->> 'pattern' = split_part(x.extension_id, '.', 1)
          WHEN 'regex' THEN x.extension_id ~ (b ->> 'pattern')
        END)
    )
    SELECT jsonb_agg(jsonb_build_object('g', p.group_id, 'e', p.extension_id)) INTO pairs FROM (
      SELECT x.group_id, x.extension_id FROM public.compliance_groups c
      JOIN public.compliance_extensions x ON x.group_id = c.group_id
      WHERE x.extension_id IN (SELECT extension_id FROM ids)
      UNION
      SELECT q.group_id, q.extension_id FROM public.compliance_required_now q
      WHERE q.extension_id IN (SELECT extension_id FROM ids)
    ) p;
  END IF;
  PERFORM public.compliance_rebuild(array_agg(p.g), array_agg(p.e))
  FROM jsonb_to_recordset(coalesce(pairs, '[]')) AS p(g uuid, e varchar);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- A new group starts built: no agents, no violations.
CREATE FUNCTION "compliance_follow_groups"() RETURNS trigger
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO public.compliance_groups (group_id) SELECT id FROM new_rows ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Builds one group's state from the views, under the group's exclusive lock (writes to that
-- group wait while it builds, a second or two for the largest; every other group's go on).
CREATE FUNCTION "compliance_build_group"(target uuid) RETURNS void
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1668246272, hashtext(target::text));
  INSERT INTO public.compliance_groups (group_id) VALUES (target) ON CONFLICT DO NOTHING;
  DELETE FROM public.compliance_violations WHERE group_id = target;
  DELETE FROM public.compliance_extensions WHERE group_id = target;
  INSERT INTO public.compliance_violations SELECT * FROM public.compliance_violations_now WHERE group_id = target;
  INSERT INTO public.compliance_extensions SELECT * FROM public.compliance_extensions_now WHERE group_id = target;
  UPDATE public.compliance_groups c SET live_agents = n.live_agents, problem_agents = n.problem_agents
  FROM public.compliance_groups_now n WHERE n.group_id = target AND c.group_id = target;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "reports_compliance_insert" AFTER INSERT ON "reports"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_reports"();
--> statement-breakpoint
CREATE TRIGGER "reports_compliance_update" AFTER UPDATE ON "reports"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_reports"();
--> statement-breakpoint
CREATE TRIGGER "reports_compliance_delete" AFTER DELETE ON "reports"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_reports"();
--> statement-breakpoint
CREATE TRIGGER "agents_compliance_insert" AFTER INSERT ON "agents"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_agents"();
--> statement-breakpoint
CREATE TRIGGER "agents_compliance_update" AFTER UPDATE ON "agents"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_agents"();
--> statement-breakpoint
CREATE TRIGGER "agents_compliance_delete" AFTER DELETE ON "agents"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_agents"();
--> statement-breakpoint
CREATE TRIGGER "group_extensions_compliance_insert" AFTER INSERT ON "group_extensions"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_rules"();
--> statement-breakpoint
CREATE TRIGGER "group_extensions_compliance_update" AFTER UPDATE ON "group_extensions"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_rules"();
--> statement-breakpoint
CREATE TRIGGER "group_extensions_compliance_delete" AFTER DELETE ON "group_extensions"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_rules"();
--> statement-breakpoint
CREATE TRIGGER "extensions_compliance_insert" AFTER INSERT ON "extensions"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_rules"();
--> statement-breakpoint
CREATE TRIGGER "extensions_compliance_update" AFTER UPDATE ON "extensions"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_rules"();
--> statement-breakpoint
CREATE TRIGGER "extensions_compliance_delete" AFTER DELETE ON "extensions"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_rules"();
--> statement-breakpoint
CREATE TRIGGER "blocklist_compliance_insert" AFTER INSERT ON "blocklist"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_rules"();
--> statement-breakpoint
CREATE TRIGGER "blocklist_compliance_update" AFTER UPDATE ON "blocklist"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_rules"();
--> statement-breakpoint
CREATE TRIGGER "blocklist_compliance_delete" AFTER DELETE ON "blocklist"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_rules"();
--> statement-breakpoint
CREATE TRIGGER "groups_compliance_insert" AFTER INSERT ON "groups"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "compliance_follow_groups"();
