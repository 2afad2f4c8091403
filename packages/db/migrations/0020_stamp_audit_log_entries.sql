-- An audit entry's time is the database's, not the writer's: a BEFORE INSERT trigger sets
-- created_at to the transaction's start (what its DEFAULT now() gave), whatever the INSERT says,
-- so no service role can backdate an entry (to slip it under a purge's cutoff, or out of a
-- reviewed period) or date one in the future. Only a role that may disable triggers (the
-- owner, a superuser; see the README) writes another time, as pg_restore does when it loads a
-- backup's data before it creates the triggers. A new trigger: SHARE ROW EXCLUSIVE on audit_log
-- for an instant, nothing scanned.
CREATE FUNCTION "public"."audit_log_stamp"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  NEW.created_at := now();
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_log_stamp" BEFORE INSERT ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "public"."audit_log_stamp"();
