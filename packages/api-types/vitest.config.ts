import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@devtools-sync/api-types",
    environment: "node",
    // The modules under test are pure and every database test file opens a database of its own, so
    // files can share a worker's module cache: loading zod and drizzle once per worker, not per file,
    // halves the run. (The "never loads pg" test uses a fresh node process, not this cache.)
    isolate: false,
  },
});
