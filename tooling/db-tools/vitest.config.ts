import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@devtools-sync/db-tools",
    environment: "node",
    // A bound against hangs, not a speed check: these tests migrate real databases, and the test
    // machine is shared, so a test may wait well past vitest's 5 s default.
    testTimeout: 60_000,
  },
});
