/**
 * pnpm bench [--scale N] [--database-url URL] [--out DIR]
 *
 * The whole bench at one scale (default 0.01; the production-size run is --scale 1). Without
 * --database-url (or BENCH_DATABASE_URL) it uses a local PostgreSQL kept in .data/bench-postgres.
 */
import { runMain } from "./cli-main";
import { benchArgs } from "./cli-options";
import { benchServer } from "./database";
import { runBench } from "./run";

runMain(async () => {
  const { scale, databaseUrl, out } = benchArgs({});
  const server = await benchServer(databaseUrl);
  try {
    const { markdownPath } = await runBench({
      serverUrl: server.url,
      scale,
      outDir: out,
      progress: (line) => process.stderr.write(`${line}\n`),
      steadySeconds: scale >= 0.1 ? 30 : 5,
    });
    process.stdout.write(`results: ${markdownPath}\n`);
  } finally {
    await server.stop();
  }
});
