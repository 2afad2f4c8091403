/**
 * pnpm --filter @devtools-sync/bench history [--scale N] [--database-url URL] [--out DIR] [--lock-timeout MS]
 *     [--only 0001,0002] [--before-after [--repeat N]]
 *   The committed migrations' lock plan against scale N's data, next to their measured durations
 *   under load (history.ts); --only measures just the migrations with those prefixes; --before-after
 *   applies each one at risk of a lock cycle without, then with, its locks up front (N times).
 * pnpm --filter @devtools-sync/bench lock-timeouts [--scale N] [--database-url URL] [--out DIR] [--lock-timeout MS,MS]
 *   The live-migration scenario once per lock_timeout (default 500,5000), side by side (lock-timeouts.ts).
 *
 * Both work on throwaway copies of the loaded data (loaded first if needed), on the server of
 * --database-url (or BENCH_DATABASE_URL), else the local one in .data/bench-postgres.
 */
import { withClient } from "@devtools-sync/local-postgres";
import { DEFAULT_LOCK_TIMEOUT_MS } from "@devtools-sync/migrate-core";
import { runMain, UsageError } from "./cli-main";
import { benchArgs } from "./cli-options";
import { planFor } from "./data/plan";
import { benchServer, cloneDataDatabase, ensureDataDatabase } from "./database";
import { benchHistory } from "./history";
import { writeHistoryResults } from "./history-report";
import { compareLockTimeouts, writeLockTimeoutResults } from "./lock-timeouts";
import { describeRun } from "./results";

runMain(async () => {
  const { scale, databaseUrl, out, values, positionals } = benchArgs(
    {
      "lock-timeout": { type: "string" },
      only: { type: "string" },
      "before-after": { type: "boolean", default: false },
      repeat: { type: "string", default: "1" },
    },
    { allowPositionals: true },
  );
  const command = positionals[0];
  if (command !== "history" && command !== "lock-timeouts") {
    throw new UsageError(`the command must be history or lock-timeouts, got "${command ?? ""}"`);
  }
  const lockTimeouts = (values["lock-timeout"] ?? (command === "history" ? `${DEFAULT_LOCK_TIMEOUT_MS}` : "500,5000"))
    .split(",")
    .map((text) => {
      const ms = Number(text);
      if (!Number.isInteger(ms) || ms <= 0) {
        throw new UsageError(`--lock-timeout must be positive numbers of milliseconds, got "${text}"`);
      }
      return ms;
    });
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat <= 0) {
    throw new UsageError(`--repeat must be a positive whole number, got "${values.repeat}"`);
  }
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const server = await benchServer(databaseUrl);
  try {
    const plan = planFor(scale);
    const startedAt = new Date();
    const { anchor } = await ensureDataDatabase(server.url, plan, startedAt, progress);
    const about = { startedAt: startedAt.toISOString(), scale };
    let path: string;
    if (command === "history") {
      const clone = await cloneDataDatabase(server.url, scale, false);
      try {
        const history = await benchHistory({
          url: clone.url,
          plan,
          now: anchor,
          lockTimeoutMs: lockTimeouts[0] as number,
          steadyMs: scale >= 0.1 ? 3000 : 500,
          connections: 4,
          ratePerSecond: 100,
          batchSize: 50,
          ...(values.only ? { only: values.only.split(",").map((prefix) => prefix.trim()) } : {}),
          beforeAfter: values["before-after"],
          repeat,
          progress,
        });
        const described = await withClient(clone.url, (client) => describeRun(client, plan));
        path = await writeHistoryResults(out, { ...about, ...described, history });
      } finally {
        await clone.drop();
      }
    } else {
      const compared = await compareLockTimeouts({
        copy: () => cloneDataDatabase(server.url, scale),
        scale,
        plan,
        now: anchor,
        lockTimeouts,
        steadySeconds: scale >= 0.1 ? 30 : 5,
        blockerMs: 3000,
        progress,
      });
      path = await writeLockTimeoutResults(out, { ...about, ...compared });
    }
    process.stdout.write(`results: ${path}\n`);
  } finally {
    await server.stop();
  }
});
