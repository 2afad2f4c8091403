import type { LoginRole } from "@devtools-sync/db/roles";
import { migrate } from "@devtools-sync/migrate-core";
import type { Command } from "../command";
import type { MigratorConfig } from "../config";
import { connect } from "../connection";
import { type EnsuredRole, ensureLoginRoles, loginRoleFlags, loginRolesFrom } from "../login-roles";
import { formatDuration, type Reporter } from "../output";

/** What `up` did. */
export interface UpResult {
  applied: string[];
  /** The login roles ensured after the migrations (none before the group roles exist). */
  loginRoles: EnsuredRole[];
  durationMs: number;
}

/**
 * Applies every pending migration (or up to `to`) and reports each as it lands, then ensures
 * the services' login roles (see login-roles.ts).
 */
export async function up(
  config: MigratorConfig,
  reporter: Reporter,
  to?: string,
  loginRoles: LoginRole[] = [],
): Promise<UpResult> {
  const started = performance.now();
  const connection = await connect(config, reporter);
  try {
    const { applied } = await migrate({
      client: connection.client,
      folder: config.migrationsDir,
      lockTimeoutMs: config.lockTimeoutMs,
      onEvent: (event) => reporter.event(event),
      ...(to === undefined ? {} : { to }),
    });
    const ensured = await ensureLoginRoles(connection.client, loginRoles);
    return { applied, loginRoles: ensured, durationMs: performance.now() - started };
  } finally {
    await connection.close();
  }
}

export const upCommand: Command = {
  name: "up",
  summary: "Apply pending migrations (the default command).",
  flags: { to: { type: "string", help: "apply only up to and including this migration" }, ...loginRoleFlags },
  async run(config, reporter, values) {
    const result = await up(config, reporter, values.to as string | undefined, loginRolesFrom(values));
    const roles = result.loginRoles.map((role) => `${role.name} (${role.memberOf})`).join(", ");
    const summary =
      (result.applied.length === 0
        ? "Database is up to date; nothing to apply."
        : `Applied ${result.applied.length} migration(s) in ${formatDuration(result.durationMs)}.`) +
      (roles ? ` Login roles: ${roles}.` : "");
    reporter.result(summary, { command: "up", ...result });
    return 0;
  },
};
