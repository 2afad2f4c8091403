-- A column with a constant default: PostgreSQL 11+ stores the default in the catalog, no rewrite.
ALTER TABLE "reports" ADD COLUMN "source" varchar(20) DEFAULT 'agent' NOT NULL;
