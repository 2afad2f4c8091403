/**
 * pnpm --filter @devtools-sync/bench history [--scale N] [--database-url URL] [--out DIR] [--lock-timeout MS]
 *
 * The committed migrations' lock plan against scale N's data, next to their measured durations
 * under load (see history.ts), on a throwaway copy of the loaded data (loaded first if needed).
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { withClient } from "@devtools-sync/local-postgres";
import { DEFAULT_LOCK_TIMEOUT_MS } from "@devtools-sync/migrate-core";
import { runMain, UsageError } from "./cli-main";
import { planFor, scaleFlag } from "./data/plan";
import { benchServer, cloneDataDatabase, ensureDataDatabase } from "./database";
import { benchHistory } from "./history";
import { writeHistoryResults } from "./history-report";
import { machineOf, planRows } from "./results";

runMain(async () => {
  const { values } = parseArgs({
    options: {
      scale: { type: "string", default: "0.01" },
      "database-url": { type: "string" },
      out: { type: "string", default: fileURLToPath(new URL("../../../bench/results", import.meta.url)) },
      "lock-timeout": { type: "string", default: String(DEFAULT_LOCK_TIMEOUT_MS) },
    },
  });
  const scale = scaleFlag(values.scale);
  const lockTimeoutMs = Number(values["lock-timeout"]);
  if (!Number.isInteger(lockTimeoutMs) || lockTimeoutMs <= 0) {
    throw new UsageError(`--lock-timeout must be a positive number of milliseconds, got "${values["lock-timeout"]}"`);
  }
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const server = await benchServer(values["database-url"] ?? process.env.BENCH_DATABASE_URL);
  try {
    const plan = planFor(scale);
    const startedAt = new Date();
    const { anchor } = await ensureDataDatabase(server.url, plan, startedAt, progress);
    const clone = await cloneDataDatabase(server.url, scale);
    try {
      const facts = await withClient(clone.url, async (client) => ({
        machine: await machineOf(client),
        counts: (
          await client.query(
            "SELECT (SELECT count(*) FROM reports)::int AS reports, (SELECT count(*) FROM audit_log)::int AS audit_log",
          )
        ).rows[0],
      }));
      const history = await benchHistory({
        url: clone.url,
        plan,
        now: anchor,
        lockTimeoutMs,
        steadyMs: scale >= 0.1 ? 3000 : 500,
        connections: 4,
        ratePerSecond: 100,
        batchSize: 50,
        progress,
      });
      const path = await writeHistoryResults(values.out, {
        startedAt: startedAt.toISOString(),
        scale,
        machine: facts.machine,
        rows: { ...planRows(plan), reports: facts.counts.reports, auditLog: facts.counts.audit_log },
        history,
      });
      process.stdout.write(`results: ${path}\n`);
    } finally {
      await clone.drop();
    }
  } finally {
    await server.stop();
  }
});
