-- VALIDATE scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on.
ALTER TABLE "reports" VALIDATE CONSTRAINT "reports_source_check";
