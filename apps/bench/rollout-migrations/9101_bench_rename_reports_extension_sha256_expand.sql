-- expand: rename reports.extension_sha256 to sha256_extension (the previous version keeps writing extension_sha256)
-- backfill: reports
-- The new column, and a trigger keeping both in step whichever version writes: a write to one
-- side is copied to the other; the backfill's touch (neither side changed) fills the new one.
ALTER TABLE "reports" ADD COLUMN "sha256_extension" varchar(64);
--> statement-breakpoint
CREATE FUNCTION "bench_sync_reports_sha256_extension"() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.sha256_extension := coalesce(NEW.sha256_extension, NEW.extension_sha256);
    NEW.extension_sha256 := coalesce(NEW.extension_sha256, NEW.sha256_extension);
  ELSIF NEW.extension_sha256 IS DISTINCT FROM OLD.extension_sha256 THEN
    NEW.sha256_extension := NEW.extension_sha256;
  ELSIF NEW.sha256_extension IS DISTINCT FROM OLD.sha256_extension THEN
    NEW.extension_sha256 := NEW.sha256_extension;
  ELSE
    NEW.sha256_extension := NEW.extension_sha256;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "reports_sync_sha256_extension" BEFORE INSERT OR UPDATE ON "reports" FOR EACH ROW EXECUTE FUNCTION "bench_sync_reports_sha256_extension"();
