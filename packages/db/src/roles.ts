import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import type pg from "pg";
import { groupRoles, type RoleKind } from "./schema/group-roles";

export { groupRoles, type RoleKind };

/** A role services log in as, and the group role whose rights it gets. */
export interface LoginRole {
  name: string;
  kind: RoleKind;
  /** Sets (or replaces) its password; without one, an existing password is left as it is. */
  password?: string;
}

// Roles are cluster-wide, so two migrators (or test files) on different databases of one server
// may create or grant the same role at the same instant; the loser of that race sees one of these.
const CONCURRENT_TWIN = new Set(["42710", "23505", "XX000"]);

/**
 * Ensures `role` exists with LOGIN, is a member of its group role (and of no other of ours), and
 * has `password` if given. Idempotent and safe against a concurrent twin. The password travels
 * only as a SCRAM-SHA-256 verifier computed here, so neither the server's statement log nor
 * pg_stat_activity ever holds it.
 */
export async function ensureLoginRole(client: pg.ClientBase, role: LoginRole): Promise<void> {
  if (Object.values(groupRoles).includes(role.name as never)) {
    throw new Error(`${role.name} is a group role: name a login role of your own that becomes its member`);
  }
  const name = quoteIdentifier(role.name);
  for (let attempt = 1; ; attempt++) {
    try {
      // Nothing is changed that is already right, so roles a DBA provisioned need no privilege here.
      const { rows: found } = await client.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", [role.name]);
      if (found.length === 0) await client.query(`CREATE ROLE ${name} LOGIN`);
      else if (!found[0].rolcanlogin) await client.query(`ALTER ROLE ${name} LOGIN`);
      const { rows } = await client.query<{ member_of: string[] }>(
        `SELECT coalesce(array_agg(g.rolname::text), '{}') AS member_of
         FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
         WHERE r.rolname = $1`,
        [role.name],
      );
      const memberOf = rows[0]?.member_of ?? [];
      for (const other of Object.values(groupRoles)) {
        if (other !== groupRoles[role.kind] && memberOf.includes(other)) {
          await client.query(`REVOKE ${quoteIdentifier(other)} FROM ${name}`);
        }
      }
      if (!memberOf.includes(groupRoles[role.kind])) {
        await client.query(`GRANT ${quoteIdentifier(groupRoles[role.kind])} TO ${name}`);
      }
      if (role.password !== undefined) {
        await client.query(`ALTER ROLE ${name} PASSWORD ${quoteLiteral(scramVerifier(role.password))}`);
      }
      return;
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (!CONCURRENT_TWIN.has(code) || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / 7677, as libpq's
 * PQencryptPasswordConn computes it): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
