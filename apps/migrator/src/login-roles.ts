import { readFileSync } from "node:fs";
import { ensureLoginRole, groupRoles, type LoginRole, type RoleKind } from "@devtools-sync/db/roles";
import { ExitCode, MigrateError } from "@devtools-sync/migrate-core";
import type pg from "pg";
import type { FlagValues } from "./command";

type LoginRoleFlag = "app-role" | "readonly-role" | "admin-role";

/** Per kind: its flag, its environment variables, and the login role's default name. */
const settings: Record<RoleKind, { flag: LoginRoleFlag; env: string; fallback: string }> = {
  app: { flag: "app-role", env: "APP_ROLE", fallback: "devtools_sync_service" },
  readonly: { flag: "readonly-role", env: "READONLY_ROLE", fallback: "devtools_sync_reporting" },
  admin: { flag: "admin-role", env: "ADMIN_ROLE", fallback: "devtools_sync_operator" },
};

/** The flags of `up` that name the login roles. */
export const loginRoleFlags = Object.fromEntries(
  Object.entries(settings).map(([kind, { flag, env, fallback }]) => [
    flag,
    {
      type: "string",
      value: "name",
      help: `login role made a member of ${groupRoles[kind as RoleKind]} (default: $${env}, else ${fallback}; "" skips it)`,
    },
  ]),
) as Record<LoginRoleFlag, { type: "string"; value: string; help: string }>;

/**
 * The login roles to ensure, from flags over environment over defaults; an empty name skips one
 * (roles managed elsewhere). A password is read only from `<ENV>_PASSWORD_FILE`, never a flag or
 * a variable, so it appears in no process list and no shell history.
 */
export function loginRolesFrom(
  values: FlagValues<typeof loginRoleFlags>,
  env: NodeJS.ProcessEnv = process.env,
): LoginRole[] {
  const problems: string[] = [];
  const roles: LoginRole[] = [];
  for (const [kind, { flag, env: variable, fallback }] of Object.entries(settings) as [
    RoleKind,
    (typeof settings)[RoleKind],
  ][]) {
    const name = values[flag] ?? env[variable] ?? fallback;
    if (name === "") continue;
    if (!/^[a-z_][a-z0-9_$]{0,62}$/.test(name)) {
      problems.push(`--${flag} must be a lowercase role name (letters, digits, _), got "${name}"`);
      continue;
    }
    const file = env[`${variable}_PASSWORD_FILE`];
    const role: LoginRole = { name, kind };
    if (file) {
      try {
        role.password = readFileSync(file, "utf8").replace(/\r?\n$/, "");
      } catch {
        problems.push(`${variable}_PASSWORD_FILE ${file} cannot be read`);
      }
      if (role.password === "") problems.push(`${variable}_PASSWORD_FILE ${file} is empty`);
    }
    roles.push(role);
  }
  if (problems.length > 0) {
    throw new MigrateError("bad-config", `Invalid configuration: ${problems.join("; ")}.`, ExitCode.usage);
  }
  return roles;
}

/** What was ensured of one login role (never its password). */
export interface EnsuredRole {
  name: string;
  memberOf: string;
  password: "set" | "unchanged";
}

/**
 * Ensures each login role exists, may log in and is a member of its group role, once the group
 * roles exist on the server (migration 0005 creates them; before that, nothing is done).
 */
export async function ensureLoginRoles(client: pg.ClientBase, roles: LoginRole[]): Promise<EnsuredRole[]> {
  const ours: string[] = Object.values(groupRoles);
  // One read of every role involved, so a run where all is already right writes nothing.
  const { rows } = await client.query<{ rolname: string; can_login: boolean; member_of: string[] }>(
    `SELECT r.rolname, r.rolcanlogin AS can_login,
            coalesce(array_agg(g.rolname::text) FILTER (WHERE g.rolname = ANY($2)), '{}') AS member_of
       FROM pg_roles r LEFT JOIN pg_auth_members m ON m.member = r.oid LEFT JOIN pg_roles g ON g.oid = m.roleid
      WHERE r.rolname = ANY($1) GROUP BY r.rolname, r.rolcanlogin`,
    [[...ours, ...roles.map((role) => role.name)], ours],
  );
  const found = new Map(rows.map((row) => [row.rolname, row]));
  const ensured: EnsuredRole[] = [];
  for (const role of roles) {
    const memberOf = groupRoles[role.kind];
    if (!found.has(memberOf)) continue;
    const state = found.get(role.name);
    const inPlace =
      state?.can_login && state.member_of.length === 1 && state.member_of[0] === memberOf && !role.password;
    if (inPlace) {
      ensured.push({ name: role.name, memberOf, password: "unchanged" });
      continue;
    }
    try {
      await ensureLoginRole(client, role);
    } catch (error) {
      const { message, code } = error as { message: string; code?: string };
      throw new MigrateError(
        "login-role-failed",
        `Cannot ensure login role ${role.name} (member of ${memberOf}): ${message}${code ? ` (SQLSTATE ${code})` : ""}. ` +
          `Give the migrator's role CREATEROLE and ADMIN OPTION on ${memberOf}, or have a DBA run CREATE ROLE ${role.name} LOGIN; GRANT ${memberOf} TO ${role.name}; ` +
          `or set ${settings[role.kind].env}="" to manage it elsewhere.`,
        ExitCode.failure,
        { cause: error },
      );
    }
    ensured.push({ name: role.name, memberOf, password: role.password === undefined ? "unchanged" : "set" });
  }
  return ensured;
}
