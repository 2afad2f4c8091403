import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One PostgreSQL server for the whole run; each test file creates its own database on it.
    globalSetup: ["./packages/local-postgres/src/testing/global-setup.ts"],
    projects: ["apps/*", "packages/*", "tooling/db-tools"],
    reporters: ["default", "./tooling/vitest/summary-reporter.ts"],
    // Two test files at a time. Vitest's default (one fewer than the cores) is one worker on a
    // 2-core CI machine, which then sits idle while PostgreSQL or a spawned CLI works for its test.
    // Files share only the server, where each has its own database and roles of its own names (the
    // migrations' roles tolerate a concurrent twin).
    maxWorkers: 2,
  },
});
