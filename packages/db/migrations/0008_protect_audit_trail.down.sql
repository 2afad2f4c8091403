-- Undoes 0008_protect_audit_trail: the functions as 0005 and 0003 made them (no fixed search_path,
-- purge recorded in audit_log), the policy and the grants. No record is lost: each purge since 0008
-- becomes the audit_log.purged entry 0005 would have written (the owner writes them with row-level
-- security briefly not forced, since no policy admits it). The role
-- devtools_sync_audit_purger stays: roles are cluster-wide and other databases on the server may
-- use it (drop it by hand with DROP ROLE once no database references it).
ALTER FUNCTION "public"."set_updated_at"() RESET search_path;
--> statement-breakpoint
DROP FUNCTION "public"."purge_audit_log"(timestamptz);
--> statement-breakpoint
CREATE FUNCTION "purge_audit_log"("before" timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  removed bigint;
BEGIN
  IF "before" IS NULL OR "before" > now() THEN
    RAISE EXCEPTION 'purge_audit_log: the cutoff must be a time in the past, got %', coalesce("before"::text, 'NULL');
  END IF;
  INSERT INTO "audit_log" ("event_type", "actor_type", "details")
  VALUES ('audit_log.purged', 'system',
          jsonb_build_object('before', "before", 'transaction', pg_current_xact_id()::text, 'by', session_user));
  DELETE FROM "audit_log" WHERE "created_at" < "before";
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END;
$$;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION "purge_audit_log"(timestamptz) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "purge_audit_log"(timestamptz) TO "devtools_sync_admin";
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "audit_log_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (
    SELECT FROM "audit_log" AS purge
    WHERE purge."event_type" = 'audit_log.purged'
      AND purge."group_id" IS NULL
      AND purge."details"->>'transaction' = pg_current_xact_id()::text
      AND OLD."created_at" < (purge."details"->>'before')::timestamptz
  ) THEN
    RETURN OLD;
  END IF;
  -- audit_log_group_id_fkey's ON DELETE SET NULL (a nested trigger: only the owner's foreign key
  -- can fire it) unlinks the entries of a deleted group and changes nothing else in them.
  IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 AND NEW."group_id" IS NULL
     AND to_jsonb(NEW) - 'group_id' = to_jsonb(OLD) - 'group_id' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Old entries are removed only by purge_audit_log(before), as devtools_sync_admin';
END;
$$;
--> statement-breakpoint
DROP POLICY "audit_log_purge" ON "audit_log";
--> statement-breakpoint
ALTER TABLE "audit_log" NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
INSERT INTO "audit_log" ("event_type", "actor_type", "details", "created_at")
SELECT 'audit_log.purged', 'system',
       jsonb_build_object('before', "cutoff", 'transaction', "transaction_id"::text, 'by', "purged_by"), "purged_at"
FROM "audit_log_purges" ORDER BY "purged_at";
--> statement-breakpoint
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- lint-ignore drops-data-without-marker: every row was copied into audit_log by the statement above
DROP TABLE "audit_log_purges";
--> statement-breakpoint
DROP FUNCTION "public"."audit_log_purges_guard"();
--> statement-breakpoint
REVOKE SELECT, DELETE ON "audit_log" FROM "devtools_sync_audit_purger";
--> statement-breakpoint
REVOKE USAGE ON SCHEMA "public" FROM "devtools_sync_audit_purger";
