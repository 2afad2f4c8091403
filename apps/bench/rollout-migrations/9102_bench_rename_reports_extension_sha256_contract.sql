-- contract: 9101_bench_rename_reports_extension_sha256_expand
DROP TRIGGER "reports_sync_sha256_extension" ON "reports";
--> statement-breakpoint
DROP FUNCTION "bench_sync_reports_sha256_extension"();
--> statement-breakpoint
ALTER TABLE "reports" DROP COLUMN "extension_sha256";
