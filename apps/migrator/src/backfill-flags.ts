import {
  type BackfillOptions,
  DEFAULT_BACKFILL_BATCH_MS,
  DEFAULT_BACKFILL_BATCH_SIZE,
  ExitCode,
  MigrateError,
} from "@devtools-sync/migrate-core";
import type { FlagDefinitions } from "./command";

// How expands' backfills run: flags of `up` (which runs them) and `plan` (which reports them).

/** How big a backfill's batches are: what `plan` reports them with. */
export const backfillBatchFlags = {
  "backfill-batch-size": {
    type: "string",
    value: "rows",
    help: `most rows per backfill batch, each its own short transaction (default ${DEFAULT_BACKFILL_BATCH_SIZE})`,
  },
  "backfill-batch-ms": {
    type: "string",
    value: "ms",
    help: `time each backfill batch aims for (default ${DEFAULT_BACKFILL_BATCH_MS}; rows adapt to it); a batch over twice this is rolled back and retried with half the rows. 0: fixed batches of --backfill-batch-size, no time limit`,
  },
} as const satisfies FlagDefinitions;

/** The flags of `up` that set how it backfills. */
export const backfillFlags = {
  ...backfillBatchFlags,
  "backfill-pause": { type: "string", value: "ms", help: "pause between backfill batches (default 0)" },
  "backfill-role": {
    type: "string",
    value: "role",
    help: "role each backfill batch runs as (SET LOCAL ROLE), one that row-level security lets see every row",
  },
} as const satisfies FlagDefinitions;

/** The backfill options the flags give; a bad value is a usage error (exit 2). */
export function backfillOptionsFrom(values: {
  "backfill-batch-size"?: string;
  "backfill-batch-ms"?: string;
  "backfill-pause"?: string;
  "backfill-role"?: string;
}): BackfillOptions {
  const whole = (flag: string, value: string | undefined, min: number) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min) {
      throw new MigrateError(
        "usage",
        `--${flag} must be a whole number, ${min} or more, not "${value}".`,
        ExitCode.usage,
      );
    }
    return n;
  };
  const batchSize = whole("backfill-batch-size", values["backfill-batch-size"], 1);
  const batchMs = whole("backfill-batch-ms", values["backfill-batch-ms"], 0);
  const pauseMs = whole("backfill-pause", values["backfill-pause"], 0);
  const role = values["backfill-role"];
  return {
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(batchMs === undefined ? {} : { batchMs }),
    ...(pauseMs === undefined ? {} : { pauseMs }),
    ...(role === undefined ? {} : { role }),
  };
}
