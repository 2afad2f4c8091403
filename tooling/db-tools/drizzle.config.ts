import { createRequire } from "node:module";
import { relative } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { defineConfig } from "drizzle-kit";

// Generation reads only the TypeScript schema: no database URL is needed (or read) here,
// so `pnpm db:generate` runs anywhere, CI included. Migrations are applied by apps/migrator.
// The schema and the migrations folder are @devtools-sync/db's, found through its exports.
export default defineConfig({
  dialect: "postgresql",
  schema: createRequire(import.meta.url).resolve("@devtools-sync/db/schema"),
  // Relative: drizzle-kit 0.31 prefixes "./" to an absolute `out`.
  out: relative(process.cwd(), migrationsFolder),
  // Column keys are camelCase in TypeScript and snake_case in SQL, with no per-column strings.
  casing: "snake_case",
  strict: true,
  verbose: true,
});
