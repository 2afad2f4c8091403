import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One PostgreSQL server for the whole run; each test file creates its own database on it.
    globalSetup: ["./packages/local-postgres/src/testing/global-setup.ts"],
    projects: ["apps/*", "packages/*", "tooling/db-tools"],
    reporters: ["default", "./tooling/vitest/summary-reporter.ts"],
  },
});
