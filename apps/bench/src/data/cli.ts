/**
 * pnpm bench:data --scale N [--database-url URL]
 *
 * (Re)creates the scale's database (bench_scale_N), applies every migration and fills it with
 * valid data by COPY; progress on stderr, rows per second per table on stdout.
 */
import { parseArgs } from "node:util";
import { runMain } from "../cli-main";
import { benchServer, createDataDatabase, dataDatabaseName } from "../database";
import { planFor, scaleFlag } from "./plan";

runMain(async () => {
  const { values } = parseArgs({
    options: { scale: { type: "string", default: "1" }, "database-url": { type: "string" } },
  });
  const plan = planFor(scaleFlag(values.scale));
  const server = await benchServer(values["database-url"] ?? process.env.BENCH_DATABASE_URL);
  try {
    const started = performance.now();
    const loads = await createDataDatabase(server.url, plan, new Date(), (line) => process.stderr.write(`${line}\n`));
    const seconds = (performance.now() - started) / 1000;
    const rows = loads.reduce((sum, load) => sum + load.rows, 0);
    for (const load of loads) {
      process.stdout.write(
        `${load.table.padEnd(16)} ${String(load.rows).padStart(10)} rows ${String(load.rowsPerSecond).padStart(9)} rows/s\n`,
      );
    }
    process.stdout.write(
      `${dataDatabaseName(plan.scale)}: ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s overall, with migrations and VACUUM ANALYZE)\n`,
    );
  } finally {
    await server.stop();
  }
});
