import { defineConfig } from "drizzle-kit";

// Generation reads only the TypeScript schema: no database URL is needed (or read) here,
// so `pnpm db:generate` runs anywhere, CI included. Migrations are applied by apps/migrator.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema/index.ts",
  out: "./migrations",
  // Column keys are camelCase in TypeScript and snake_case in SQL, with no per-column strings.
  casing: "snake_case",
  strict: true,
  verbose: true,
});
