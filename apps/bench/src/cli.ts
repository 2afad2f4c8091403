/**
 * pnpm bench [--scale N] [--database-url URL] [--out DIR]
 *
 * The whole bench at one scale (default 0.01; the production-size run is --scale 1). Without
 * --database-url (or BENCH_DATABASE_URL) it uses a local PostgreSQL kept in .data/bench-postgres.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runMain } from "./cli-main";
import { scaleFlag } from "./data/plan";
import { benchServer } from "./database";
import { runBench } from "./run";

runMain(async () => {
  const { values } = parseArgs({
    options: {
      scale: { type: "string", default: "0.01" },
      "database-url": { type: "string" },
      out: { type: "string", default: fileURLToPath(new URL("../../../bench/results", import.meta.url)) },
    },
  });
  const scale = scaleFlag(values.scale);
  const server = await benchServer(values["database-url"] ?? process.env.BENCH_DATABASE_URL);
  try {
    const { markdownPath } = await runBench({
      serverUrl: server.url,
      scale,
      outDir: values.out,
      progress: (line) => process.stderr.write(`${line}\n`),
      steadySeconds: scale >= 0.1 ? 30 : 5,
    });
    process.stdout.write(`results: ${markdownPath}\n`);
  } finally {
    await server.stop();
  }
});
