import { writeFile } from "node:fs/promises";
import {
  DEFAULT_MAX_BLOCKING_ROWS,
  describeSession,
  ExitCode,
  formatLockPlanMarkdown,
  formatLockPlanTable,
  type GateOptions,
  gateRefusals,
  type LockGateOptions,
  type LockGateResult,
  type LockPlan,
  lockGate,
  MigrateError,
  sessionsInTheWay,
} from "@devtools-sync/migrate-core";
import type pg from "pg";
import type { FlagDefinitions, FlagValues } from "./command";
import type { Reporter } from "./output";

// The lock gate's flags and how up and plan use it: up refuses before running anything a
// migration that would block the application on a large table, and names the sessions in its way.

/** The flags of `up` and `plan` that set the lock gate. */
export const lockGateFlags = {
  "allow-blocking": {
    type: "string",
    value: "migrations",
    help: "comma-separated migrations reviewed and allowed to block reads or writes (the lock gate lets them through)",
  },
  "max-blocking-rows": {
    type: "string",
    value: "rows",
    help: `largest table a migration may scan or rewrite under a lock that blocks reads or writes (default ${DEFAULT_MAX_BLOCKING_ROWS})`,
  },
} as const satisfies FlagDefinitions;

/** The gate's settings from `--allow-blocking` and `--max-blocking-rows`. */
export function gateOptionsFrom(values: FlagValues<typeof lockGateFlags>): GateOptions {
  const allow = values["allow-blocking"];
  const max = values["max-blocking-rows"];
  const maxBlockingRows = max === undefined ? DEFAULT_MAX_BLOCKING_ROWS : Number(max);
  if (!Number.isInteger(maxBlockingRows) || maxBlockingRows < 0) {
    throw new MigrateError(
      "usage",
      `--max-blocking-rows must be a whole number of rows, not "${max}": see migrator --help.`,
      ExitCode.usage,
    );
  }
  const allowBlocking =
    typeof allow === "string"
      ? allow
          .split(",")
          .map((name) => name.trim())
          .filter(Boolean)
      : [];
  return { maxBlockingRows, allowBlocking };
}

/**
 * The gate, run just before `up` applies anything: throws its refusal (exit 5), reports each
 * session in the way, and returns the locks to take up front (migrate's `lockUpFront`).
 */
export async function passLockGate(
  client: pg.Client,
  folder: string,
  gate: GateOptions & Pick<LockGateOptions, "pending" | "hold">,
  reporter: Reporter,
): Promise<LockGateResult["upFront"]> {
  const { blockers, upFront, cyclesUnchecked } = await lockGate({ client, folder, ...gate });
  for (const session of blockers)
    reporter.event({ type: "blocker", pid: session.pid, session: describeSession(session) });
  if (cyclesUnchecked) reporter.warning("lock-cycles-unchecked", `${cyclesUnchecked}; grant CREATEDB.`);
  return upFront;
}

/** Runs `apply`; a lock timeout's error names the sessions that held the table. */
export async function namingBlockers<T>(client: pg.Client, folder: string, apply: () => Promise<T>): Promise<T> {
  try {
    return await apply();
  } catch (error) {
    if (!(error instanceof MigrateError) || error.code !== "lock-timeout") throw error;
    const sessions = await sessionsInTheWay(client, folder).catch(() => []);
    if (sessions.length === 0) throw error;
    throw new MigrateError(
      error.code,
      `${error.message} In the way now: ${sessions.map(describeSession).join("; ")}.`,
      error.exitCode,
      { cause: error },
    );
  }
}

/** `plan`'s lock report: the table (stdout), the Markdown file when asked, and whether the gate would refuse. */
export async function reportLockPlan(
  plan: LockPlan,
  reporter: Reporter,
  options: GateOptions & { markdownFile: string | undefined },
): Promise<{ refused: number }> {
  reporter.print(`\n${formatLockPlanTable(plan)}`);
  if (options.markdownFile) await writeFile(options.markdownFile, `${formatLockPlanMarkdown(plan)}\n`);
  return { refused: gateRefusals(plan, options).length };
}
