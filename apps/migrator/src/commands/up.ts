import type { LoginRole } from "@devtools-sync/db/roles";
import {
  type BackfillOptions,
  type BackfillResult,
  DEFAULT_MAX_BLOCKING_ROWS,
  ExitCode,
  type GateOptions,
  MigrateError,
  migrate,
  schemaDrift,
  type UpFrontLocks,
} from "@devtools-sync/migrate-core";
import type pg from "pg";
import { backfillFlags, backfillOptionsFrom } from "../backfill-flags";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import { gateOptionsFrom, lockGateFlags, namingBlockers, passLockGate } from "../lock-gate";
import { type EnsuredRole, ensureLoginRoles, loginRoleFlags, loginRolesFrom } from "../login-roles";
import { formatDuration, type Reporter } from "../output";
import { refuseOpenPublicSchema } from "../server-support";
import { driftLines, type VerifyResult } from "./verify";

/** When `up` compares the schema with the migrations' schema afterwards. */
export const verifyModes = ["auto", "always", "never"] as const;
export type VerifyMode = (typeof verifyModes)[number];

/** What `up` did. */
export interface UpResult {
  applied: string[];
  /** The contract `up` stopped before (it waits for `up --contract <name>`), or null. */
  held: string | null;
  /** The backfills this run did or resumed. */
  backfilled: BackfillResult[];
  /** The login roles ensured after the migrations (none before the group roles exist). */
  loginRoles: EnsuredRole[];
  durationMs: number;
  /** The comparison after migrating, or null when it did not run (see `verifyModes`). */
  verified: VerifyResult | null;
}

export interface UpOptions {
  /** Apply only up to and including this migration. */
  to?: string;
  /** The contract to apply (the previous application version is gone); up stops before any other. */
  contract?: string;
  backfill?: BackfillOptions;
  verify?: VerifyMode;
  /** The services' login roles to ensure after migrating (see login-roles.ts). */
  loginRoles?: LoginRole[];
  /** The lock gate's settings (default: DEFAULT_MAX_BLOCKING_ROWS, nothing allowed to block). */
  gate?: GateOptions;
}

/**
 * Refuses, before running anything, what the lock gate finds would block the application on a
 * large table (exit 5). Applies every pending migration (or up to `to`) and reports each as it lands, ensures the
 * services' login roles, then, unless `verify` is "never", compares the live schema with the
 * migrations' schema. "auto" compares whenever something was applied to a database that was not
 * empty before: one that was empty now holds exactly what the migrations create, and a no-op run
 * changed nothing.
 */
export async function up(config: MigratorConfig, reporter: Reporter, options: UpOptions = {}): Promise<UpResult> {
  const started = performance.now();
  const verify = options.verify ?? "auto";
  return withConnection(
    config,
    reporter,
    async (client, { server }) => {
      refuseOpenPublicSchema(server);
      // Whether the comparison can run is settled before anything is applied: a failure exit
      // after a successful apply would have a pipeline retry or roll back what is done.
      if (verify === "always" && !(await mayCreateDatabases(client))) throw scratchDenied(client);
      let compareAfterApplying = false;
      const to = options.to === undefined ? {} : { to: options.to };
      const gate = options.gate ?? { maxBlockingRows: DEFAULT_MAX_BLOCKING_ROWS, allowBlocking: [] };
      const hold = options.contract === undefined ? {} : { release: options.contract };
      const lockUpFront = new Map<string, UpFrontLocks>();
      const { applied, held, backfilled } = await namingBlockers(client, config.migrationsDir, () =>
        migrate({
          client,
          folder: config.migrationsDir,
          lockTimeoutMs: config.lockTimeoutMs,
          lockRetries: config.lockRetries,
          onEvent: (event) => reporter.event(event),
          ...to,
          hold,
          lockUpFront,
          ...(options.backfill === undefined ? {} : { backfill: options.backfill }),
          beforeApplying: async ({ pending, startedEmpty }) => {
            const upFront = await passLockGate(client, config.migrationsDir, { ...gate, pending, hold }, reporter);
            for (const [name, locks] of upFront) lockUpFront.set(name, locks);
            if (verify !== "auto" || startedEmpty) return;
            compareAfterApplying = await mayCreateDatabases(client);
            if (!compareAfterApplying) {
              reporter.warning(
                "comparison-skipped",
                `${client.user} may not create databases (CREATEDB), so the schema will not be compared with the migrations' after applying; grant CREATEDB, or run migrator verify as a role that has it (--verify never skips the comparison without this warning).`,
              );
            }
          },
        }),
      );
      const loginRoles = await ensureLoginRoles(client, options.loginRoles ?? []);
      const compare = verify === "always" || (verify === "auto" && compareAfterApplying && applied.length > 0);
      const verified = compare ? await compareAfter(client, config, reporter, applied) : null;
      return { applied, held, backfilled, loginRoles, durationMs: performance.now() - started, verified };
    },
    { writes: "up applies migrations" },
  );
}

/** Whether the session's role may create the scratch database the comparison builds. */
async function mayCreateDatabases(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ may: boolean }>(
    "SELECT rolcreatedb OR rolsuper AS may FROM pg_roles WHERE rolname = current_user",
  );
  return rows[0]?.may === true;
}

function scratchDenied(client: pg.Client): MigrateError {
  return new MigrateError(
    "createdb-denied",
    `--verify always compares the schema in a scratch database, but ${client.user} may not create databases: grant it CREATEDB (ALTER ROLE "${client.user}" CREATEDB), or use --verify auto or never. Nothing was applied.`,
    ExitCode.usage,
  );
}

/**
 * The comparison after migrating. Should it fail once migrations were applied, that is said in a
 * warning, not an exit code: the deploy itself succeeded.
 */
async function compareAfter(
  client: pg.Client,
  config: MigratorConfig,
  reporter: Reporter,
  applied: string[],
): Promise<VerifyResult | null> {
  try {
    return await schemaDrift({ client, folder: config.migrationsDir });
  } catch (error) {
    if (!(error instanceof MigrateError)) throw error;
    const why = error.message.replace(/\.$/, "");
    if (applied.length === 0) {
      throw new MigrateError(error.code, `Could not compare the schema: ${why}.`, error.exitCode, { cause: error });
    }
    reporter.warning(
      error.code,
      `Applied ${applied.join(", ")}, but could not compare the schema afterwards: ${why}; run migrator verify to compare.`,
    );
    return null;
  }
}

export const upCommand = defineCommand({
  name: "up",
  summary:
    "Apply pending migrations (the default command) unless the lock gate refuses one, then compare the schema with the migrations'.",
  flags: {
    to: { type: "string", value: "migration", help: "apply only up to and including this migration" },
    contract: {
      type: "string",
      value: "migration",
      help: "apply this held contract (once the previous application version is gone); up stops before any other contract",
    },
    ...backfillFlags,
    verify: {
      type: "string",
      value: "mode",
      help: "auto (default: compare after changing a database that was not empty), always, or never",
    },
    ...lockGateFlags,
    ...loginRoleFlags,
  },
  async run(config, reporter, values) {
    const result = await up(config, reporter, {
      verify: parseVerifyMode(values.verify),
      loginRoles: loginRolesFrom(values),
      gate: gateOptionsFrom(values),
      backfill: backfillOptionsFrom(values),
      ...(values.to === undefined ? {} : { to: values.to }),
      ...(values.contract === undefined ? {} : { contract: values.contract }),
    });
    const roles = result.loginRoles.map((role) => `${role.name} (${role.memberOf})`).join(", ");
    const summary =
      (result.applied.length === 0
        ? "Database is up to date; nothing to apply."
        : `Applied ${result.applied.length} migration(s) in ${formatDuration(result.durationMs)}.`) +
      (roles ? ` Login roles: ${roles}.` : "") +
      (result.held
        ? `\nHeld ${result.held}: a contract, applied by migrator up --contract ${result.held} once the previous application version is gone.`
        : "");
    const data = { command: "up", ...result };
    if (!result.verified || result.verified.differences.length === 0) {
      reporter.result(summary, data);
      return ExitCode.ok;
    }
    reporter.result([summary, ...driftLines(result.verified)].join("\n"), data);
    return ExitCode.integrity;
  },
});

function parseVerifyMode(value: string | undefined): VerifyMode {
  if (value === undefined) return "auto";
  const mode = verifyModes.find((candidate) => candidate === value);
  if (!mode) {
    throw new MigrateError(
      "usage",
      `--verify must be one of ${verifyModes.join(", ")}, not "${value}": see migrator --help.`,
      ExitCode.usage,
    );
  }
  return mode;
}
