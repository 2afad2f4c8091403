import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@devtools-sync/migrator",
    environment: "node",
  },
});
