import { defineConfig } from "drizzle-kit";
import generation from "./drizzle.config";

// `pnpm db:studio` (scripts/studio.ts) passes the database it browses in STUDIO_DATABASE_URL.
export default defineConfig({
  ...generation,
  dbCredentials: { url: process.env.STUDIO_DATABASE_URL ?? "" },
});
