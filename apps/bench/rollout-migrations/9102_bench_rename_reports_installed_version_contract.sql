-- contract: 9101_bench_rename_reports_installed_version_expand
DROP TRIGGER "reports_sync_version_installed" ON "reports";
--> statement-breakpoint
DROP FUNCTION "bench_sync_reports_version_installed"();
--> statement-breakpoint
ALTER TABLE "reports" DROP COLUMN "installed_version";
