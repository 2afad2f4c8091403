import type { MigrationEvent } from "@devtools-sync/migrate-core";
import { redact } from "./redact";

/**
 * Everything the migrator tells its user. Human lines go to stderr (stdout stays for data such
 * as `plan` SQL); with `--json`, one JSON object per line goes to stdout. Every line but the
 * data passes through `redact`, so no password reaches a log.
 */
export interface Reporter {
  event(event: MigrationEvent): void;
  waitingForDatabase(target: string): void;
  usingLocalDatabase(url: string, dataDir: string): void;
  /** A command's result: a human summary line, or the object itself as JSON. */
  result(summary: string, data: object): void;
  /**
   * Text to pipe elsewhere (SQL, a URL, the help), to stdout as it is; with `--json` nothing,
   * since the result object carries it.
   */
  print(text: string): void;
  /** Something the user should know that does not change the exit code. */
  warning(code: string, message: string): void;
  error(code: string, message: string, exitCode: number): void;
}

export function createReporter(json: boolean, write = defaultWrite): Reporter {
  const emit = (type: string, data: object, human: string | undefined) => {
    if (json) write("stdout", redact(JSON.stringify({ type, ...data, time: new Date().toISOString() })));
    else if (human !== undefined) write("stderr", redact(human));
  };
  return {
    event: (event) => emit(event.type, event, humanLine(event)),
    waitingForDatabase: (target) =>
      emit("waiting-for-database", { target }, `Waiting for ${target} to accept connections…`),
    usingLocalDatabase: (url, dataDir) =>
      emit("local-database", { url, dataDir }, `No DATABASE_URL: using the local PostgreSQL in ${dataDir} (${url})`),
    result: (summary, data) => emit("result", data, summary),
    print: (text) => {
      if (!json) write("stdout", text);
    },
    warning: (code, message) => emit("warning", { code, message }, `Warning: ${message}`),
    error: (code, message, exitCode) => emit("error", { code, message, exitCode }, `Error: ${message}`),
  };
}

function humanLine(event: MigrationEvent): string | undefined {
  switch (event.type) {
    case "lock-wait":
      return `Another migrator${event.holder ? ` (pid ${event.holder.pid}, ${event.holder.role})` : ""} holds the migration lock; waiting for it to finish…`;
    case "adopted":
      return `Took over ${event.names.length} migration(s) applied by drizzle's own tools.`;
    case "up-to-date":
      return undefined;
    case "migration-start":
      return undefined;
    case "migration-done":
      return `  applied ${event.name} (${formatDuration(event.durationMs)})`;
    case "rollback-start":
      return undefined;
    case "rollback-done":
      return `  rolled back ${event.name} (${formatDuration(event.durationMs)})`;
    case "nothing-to-roll-back":
      return undefined;
    case "blocker":
      return `In the way of the pending migrations: ${event.session}; up waits for it at most --lock-timeout per attempt, then retries.`;
    case "held":
      return `Held ${event.name} (contract of ${event.expand}): up stops here until migrator up --contract ${event.name}.`;
    case "backfill-start":
      return `  backfilling ${event.table} for ${event.migration}${event.resumeAfter > 0 ? ` (resuming after ${event.resumeAfter} rows)` : ""}${event.estimate === null ? "" : ` (~${event.estimate} rows)`}`;
    case "backfill-progress":
      return `  backfilling ${event.table}: ${event.rowsDone}${event.estimate === null ? "" : ` of ~${event.estimate}`} rows`;
    case "backfill-done":
      return `  backfilled ${event.table}: ${event.rows} rows in ${event.batches} batches, ${formatDuration(event.durationMs)} (${rate(event.rows, event.durationMs)} rows/s, longest batch ${formatDuration(event.longestBatchMs)}, largest ${event.largestBatch} rows${event.retried > 0 ? `, ${event.retried} rolled back over their time limit or lock_timeout and retried` : ""})`;
    case "locks-up-front":
      return `  ${event.name} holds one table while asking for another: it takes their locks first, in this order (${event.locks.join("; ")})`;
    case "lock-timeout-retry":
      return `  ${event.name}: ${event.deadlock ? "deadlocked with another transaction, which PostgreSQL broke by cancelling it" : "a table is locked by another transaction"}; retry ${event.attempt} in ${formatDuration(event.delayMs)}`;
  }
}

function rate(rows: number, ms: number): number {
  return ms > 0 ? Math.round((rows * 1000) / ms) : rows;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function defaultWrite(stream: "stdout" | "stderr", line: string): void {
  process[stream].write(`${line}\n`);
}
