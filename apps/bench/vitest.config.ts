import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@devtools-sync/bench",
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
