import { type SQL, sql } from "drizzle-orm";
import { type AnyPgColumn, type PgPolicy, pgPolicy, pgRole } from "drizzle-orm/pg-core";
import { groupRoles } from "./group-roles";

// Who may do what, enforced by PostgreSQL. The three roles are NOLOGIN group roles with fixed
// names, created (race-safely, since roles are cluster-wide) by the migration that introduces
// them; services log in as roles that are members of one of them (see the README, "Roles").

/** Services: read and write rows of the group bound to the transaction; no DDL, no TRUNCATE. */
export const appRole = pgRole(groupRoles.app).existing();
/** Reporting: read the rows of the group bound to the transaction; never a password hash. */
export const readonlyRole = pgRole(groupRoles.readonly).existing();
/** Administration across every group (support, retention): a role of its own, on purpose. */
export const adminRole = pgRole(groupRoles.admin).existing();
/**
 * Owns `purge_audit_log` and nothing else; no one logs in as it or is made its member. The one
 * role that may delete from `audit_log` (the trigger checks it), so only that function deletes.
 */
export const AUDIT_PURGER_ROLE = "devtools_sync_audit_purger";
export const auditPurgerRole = pgRole(AUDIT_PURGER_ROLE).existing();
/**
 * Backups: reads every row of every table, the ledgers included, and writes nothing. `pg_dump
 * --enable-row-security` as a member of it is the backup (see the README, "Backups").
 */
export const BACKUP_ROLE = "devtools_sync_backup";
export const backupRole = pgRole(BACKUP_ROLE).existing();

/**
 * Owns the compliance state's trigger and build functions (SECURITY DEFINER), which run as it: the
 * one role that writes `compliance_violations`, `compliance_extensions` and `compliance_groups`
 * (no service role holds INSERT, UPDATE or DELETE on them), and that reads the tables their rules
 * come from. NOLOGIN, no members but the migrator's role; created by add_compliance_maintainer.
 */
export const COMPLIANCE_ROLE = "devtools_sync_compliance";
export const complianceRole = pgRole(COMPLIANCE_ROLE).existing();

/**
 * The compliance functions' access to a table (see {@link complianceRole}): every group's rows,
 * to read (`"select"`: the tables the rules read) or to maintain (`"all"`: the state tables).
 * Only while a function runs as the role (`current_user`), not for its members: the migrator's
 * role is one (to hand the functions over), and would otherwise read every group past its refusal.
 * What a trigger computes is confined by the rows its statement wrote, which row-level security
 * confined to the writer's group.
 */
export function compliancePolicy(table: string, access: "select" | "all"): PgPolicy {
  const runningAsIt = sql.raw(`current_user = '${COMPLIANCE_ROLE}'`);
  return pgPolicy(`${table}_compliance_${access === "all" ? "maintains" : "reads"}`, {
    for: access,
    to: complianceRole,
    using: runningAsIt,
    ...(access === "all" ? { withCheck: runningAsIt } : {}),
  });
}

/**
 * Where a policy names the database's owner (the migrator's role): a function that refuses, so a
 * read or write of a group-scoped row as the owner fails loudly instead of seeing no row (which
 * made `pg_dump --enable-row-security` as the owner an empty backup that exited 0).
 */
export const OWNER_ROW_ACCESS_REFUSAL = sql.raw("refuse_owner_row_access()");

/** The transaction-local setting that binds a transaction to one group (`withGroup` sets it). */
export const GROUP_SETTING = "devtools_sync.group_id";

/** The transaction-local setting holding the SHA-256 of a presented API key (`findApiKey` sets it). */
export const KEY_HASH_SETTING = "devtools_sync.key_hash";

/** The group bound to the current transaction, or NULL (which matches no row) when none is. */
export const currentGroupId = sql.raw(`nullif(current_setting('${GROUP_SETTING}', true), '')::uuid`);

/**
 * Row-level security of a group-scoped table: the application and reporting roles see and
 * write only the rows of the group bound to the transaction (`check` may demand more of new
 * rows); the admin role sees every group, the backup role reads every group's rows, and the
 * database's owner is refused (forced row-level security binds it too; it would see nothing).
 */
export function groupPolicies(table: string, groupId: AnyPgColumn, check?: SQL): PgPolicy[] {
  const ownGroup = sql`${groupId} = ${currentGroupId}`;
  return [
    pgPolicy(`${table}_own_group`, {
      for: "all",
      to: [appRole, readonlyRole],
      using: ownGroup,
      withCheck: check ? sql`${ownGroup} AND ${check}` : ownGroup,
    }),
    pgPolicy(`${table}_all_groups`, { for: "all", to: adminRole, using: sql`true`, withCheck: sql`true` }),
    pgPolicy(`${table}_backup_reads_all`, { for: "select", to: backupRole, using: sql`true` }),
    pgPolicy(`${table}_owner_refused`, {
      for: "all",
      to: "pg_database_owner",
      using: OWNER_ROW_ACCESS_REFUSAL,
      withCheck: OWNER_ROW_ACCESS_REFUSAL,
    }),
  ];
}

/** `api_keys.key_hash`: the SHA-256 of the key, as 64 lowercase hex digits. */
export const SHA256_HEX_PATTERN = "^[0-9a-f]{64}$";

/**
 * `users.password_hash`: bcrypt (`$2a$`/`$2b$`/`$2y$`, cost 04-31, 53 characters of salt and
 * hash) or argon2id in PHC form (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). Anything else —
 * a plaintext password, MD5, SHA-1, unsalted SHA-256 — is refused.
 */
export const PASSWORD_HASH_PATTERN =
  "^(\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}|\\$argon2id\\$v=19\\$m=[0-9]+,t=[0-9]+,p=[0-9]+\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+)$";
