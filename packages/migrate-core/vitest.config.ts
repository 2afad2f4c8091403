import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@devtools-sync/migrate-core",
    environment: "node",
    // A bound against hangs, not a speed check: schema comparisons build a scratch database, and
    // the test machine is shared, so a test may wait well past vitest's 5 s default.
    testTimeout: 60_000,
  },
});
