-- NOT VALID: checks new rows only, so adding it needs a brief lock and no scan.
ALTER TABLE "reports" ADD CONSTRAINT "reports_source_check" CHECK ("source" IN ('agent', 'import')) NOT VALID;
