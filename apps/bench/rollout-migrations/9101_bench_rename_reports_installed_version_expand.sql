-- expand: rename reports.installed_version to version_installed (the previous version keeps writing installed_version)
-- backfill: reports
-- The new column, and a trigger keeping both in step whichever version writes: a write to one
-- side is copied to the other; the backfill's touch (neither side changed) fills the new one.
ALTER TABLE "reports" ADD COLUMN "version_installed" varchar(50);
--> statement-breakpoint
CREATE FUNCTION "bench_sync_reports_version_installed"() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.version_installed := coalesce(NEW.version_installed, NEW.installed_version);
    NEW.installed_version := coalesce(NEW.installed_version, NEW.version_installed);
  ELSIF NEW.installed_version IS DISTINCT FROM OLD.installed_version THEN
    NEW.version_installed := NEW.installed_version;
  ELSIF NEW.version_installed IS DISTINCT FROM OLD.version_installed THEN
    NEW.installed_version := NEW.version_installed;
  ELSE
    NEW.version_installed := NEW.installed_version;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "reports_sync_version_installed" BEFORE INSERT OR UPDATE ON "reports" FOR EACH ROW EXECUTE FUNCTION "bench_sync_reports_version_installed"();
