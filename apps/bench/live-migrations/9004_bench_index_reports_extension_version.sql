CREATE INDEX CONCURRENTLY "reports_extension_id_installed_version_idx" ON "reports" USING btree ("extension_id","installed_version");
