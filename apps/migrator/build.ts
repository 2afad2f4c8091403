// Bundles the migrator into dist/ as a self-contained deployable: dist/cli.js (with one chunk
// per command, loaded on demand) plus dist/migrations, the same layout as the Docker image.
import { cp, rm } from "node:fs/promises";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { build } from "esbuild";
import { nodeBundleOptions } from "./bundle";

const here = import.meta.dirname;
await rm(`${here}/dist`, { recursive: true, force: true });
await build({
  ...nodeBundleOptions,
  absWorkingDir: here,
  entryPoints: { cli: "src/main.ts" },
  outdir: "dist",
  splitting: true,
});
await cp(migrationsFolder, `${here}/dist/migrations`, { recursive: true });
