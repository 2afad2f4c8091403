import type { LoginRole } from "@devtools-sync/db/roles";
import {
  DEFAULT_MAX_BLOCKING_ROWS,
  ExitCode,
  type GateOptions,
  MigrateError,
  migrate,
  schemaDrift,
} from "@devtools-sync/migrate-core";
import type pg from "pg";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import { behindLockGate, gateOptionsFrom, lockGateFlags } from "../lock-gate";
import { type EnsuredRole, ensureLoginRoles, loginRoleFlags, loginRolesFrom } from "../login-roles";
import { formatDuration, type Reporter } from "../output";
import { driftLines, type VerifyResult } from "./verify";

/** When `up` compares the schema with the migrations' schema afterwards. */
export const verifyModes = ["auto", "always", "never"] as const;
export type VerifyMode = (typeof verifyModes)[number];

/** What `up` did. */
export interface UpResult {
  applied: string[];
  /** The login roles ensured after the migrations (none before the group roles exist). */
  loginRoles: EnsuredRole[];
  durationMs: number;
  /** The comparison after migrating, or null when it did not run (see `verifyModes`). */
  verified: VerifyResult | null;
}

export interface UpOptions {
  /** Apply only up to and including this migration. */
  to?: string;
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
  return withConnection(config, reporter, async (client) => {
    const to = options.to === undefined ? {} : { to: options.to };
    const gate = options.gate ?? { maxBlockingRows: DEFAULT_MAX_BLOCKING_ROWS, allowBlocking: [] };
    const { applied, startedEmpty } = await behindLockGate(
      client,
      config.migrationsDir,
      { ...gate, ...to },
      reporter,
      () =>
        migrate({
          client,
          folder: config.migrationsDir,
          lockTimeoutMs: config.lockTimeoutMs,
          lockRetries: config.lockRetries,
          onEvent: (event) => reporter.event(event),
          ...to,
        }),
    );
    const loginRoles = await ensureLoginRoles(client, options.loginRoles ?? []);
    const compare = verify === "always" || (verify === "auto" && applied.length > 0 && !startedEmpty);
    const verified = compare ? await compareAfter(client, config, applied) : null;
    return { applied, loginRoles, durationMs: performance.now() - started, verified };
  });
}

async function compareAfter(client: pg.Client, config: MigratorConfig, applied: string[]): Promise<VerifyResult> {
  try {
    return await schemaDrift({ client, folder: config.migrationsDir });
  } catch (error) {
    if (!(error instanceof MigrateError)) throw error;
    const done = applied.length > 0 ? `Applied ${applied.join(", ")}, but could` : "Could";
    throw new MigrateError(
      error.code,
      `${done} not compare the schema afterwards: ${error.message.replace(/\.$/, "")}, or pass --verify never to skip the comparison.`,
      error.exitCode,
      { cause: error },
    );
  }
}

export const upCommand = defineCommand({
  name: "up",
  summary:
    "Apply pending migrations (the default command) unless the lock gate refuses one, then compare the schema with the migrations'.",
  flags: {
    to: { type: "string", value: "migration", help: "apply only up to and including this migration" },
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
      ...(values.to === undefined ? {} : { to: values.to }),
    });
    const roles = result.loginRoles.map((role) => `${role.name} (${role.memberOf})`).join(", ");
    const summary =
      (result.applied.length === 0
        ? "Database is up to date; nothing to apply."
        : `Applied ${result.applied.length} migration(s) in ${formatDuration(result.durationMs)}.`) +
      (roles ? ` Login roles: ${roles}.` : "");
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
