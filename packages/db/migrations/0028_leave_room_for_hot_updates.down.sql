-- Back to full pages (the default fillfactor, 100) for the pages written from now on.
ALTER TABLE "reports" RESET (fillfactor);
--> statement-breakpoint
ALTER TABLE "agents" RESET (fillfactor);
