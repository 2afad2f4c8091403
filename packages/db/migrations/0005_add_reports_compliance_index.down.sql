-- Dropped CONCURRENTLY: removing the index never blocks reads or writes of reports.
DROP INDEX CONCURRENTLY IF EXISTS "reports_group_id_extension_id_idx";
