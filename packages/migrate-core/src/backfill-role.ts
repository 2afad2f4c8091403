import pg from "pg";
import { ExitCode, MigrateError } from "./errors";
import { quoteTable } from "./identifiers";
import { inTransaction } from "./transaction";

// A backfill must touch every row. Under row-level security a batch sees only the rows its role's
// policies show, so a backfill run as the wrong role would finish having filled some rows, and the
// contract would then drop the only copy of the rest. Before the first batch, this settles who the
// batches run as and refuses what cannot be shown to see every row.

const INSUFFICIENT_PRIVILEGE = "42501";

/** Who the batches run as; `release` gives back a membership taken for the backfill. */
export interface BackfillActor {
  release(): Promise<void>;
}

/**
 * Makes `role` (when given) a role the session may `SET ROLE` to, granting itself the membership
 * when it holds ADMIN OPTION on it (as migration 0018 does) and taking it back on `release`; then
 * refuses, before any batch:
 * - with no role, a table whose row-level security applies to the migrator's own role;
 * - with a role, a table of which the role's policies show fewer rows than the migrator sees
 *   (checked when row-level security does not apply to the migrator itself; otherwise the
 *   operator's choice of role is trusted, as the README says).
 */
export async function actAsBackfillRole(
  client: pg.ClientBase,
  table: string,
  role: string | undefined,
): Promise<BackfillActor> {
  const granted = role === undefined ? false : await ensureMember(client, role);
  const release = async () => {
    if (granted) await client.query(`REVOKE ${pg.escapeIdentifier(role as string)} FROM CURRENT_USER`);
  };
  try {
    await refuseHiddenRows(client, table, role);
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}

async function ensureMember(client: pg.ClientBase, role: string): Promise<boolean> {
  const { rows } = await client.query<{ exists: boolean; member: boolean }>(
    `SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AS exists,
       EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AND CASE WHEN current_setting('server_version_num')::int >= 160000
         THEN pg_has_role(current_user, $1, 'SET') ELSE pg_has_role(current_user, $1, 'MEMBER') END AS member`,
    [role],
  );
  if (!rows[0]?.exists) {
    throw new MigrateError(
      "backfill-role",
      `--backfill-role ${role}: no such role; pass a role that exists, one whose row-level security policies show every row.`,
      ExitCode.usage,
    );
  }
  if (rows[0].member) return false;
  try {
    await client.query(`GRANT ${pg.escapeIdentifier(role)} TO CURRENT_USER`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw error;
    const { rows: me } = await client.query<{ user: string }>('SELECT current_user AS "user"');
    const user = me[0]?.user as string;
    throw new MigrateError(
      "backfill-role",
      `--backfill-role ${role}: ${user} may not act as ${role} and may not grant itself the role; as a superuser run GRANT ${pg.escapeIdentifier(role)} TO ${pg.escapeIdentifier(user)}, then rerun the migrator.`,
      ExitCode.failure,
      { cause: error },
    );
  }
}

async function refuseHiddenRows(client: pg.ClientBase, table: string, role: string | undefined): Promise<void> {
  const visibility = (as: string | undefined) =>
    inTransaction(client, async () => {
      if (as !== undefined) await client.query(`SET LOCAL ROLE ${pg.escapeIdentifier(as)}`);
      const { rows } = await client.query<{ active: boolean; user: string }>(
        'SELECT row_security_active(to_regclass($1)) AS active, current_user AS "user"',
        [table],
      );
      return rows[0] as { active: boolean; user: string };
    });
  const own = await visibility(undefined);
  if (role === undefined) {
    if (!own.active) return;
    throw new MigrateError(
      "backfill-hidden-rows",
      `The backfill of ${table} would run as ${own.user}, to whom row-level security shows only the rows its policies allow, and would finish with the others unfilled: pass --backfill-role with a role whose policies show every row of ${table}.`,
      ExitCode.failure,
    );
  }
  if (own.active || !(await visibility(role)).active) return;
  const count = (as: string | undefined) =>
    inTransaction(client, async () => {
      if (as !== undefined) await client.query(`SET LOCAL ROLE ${pg.escapeIdentifier(as)}`);
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteTable(table)}`);
      return Number(rows[0]?.n);
    });
  const [all, shown] = [await count(undefined), await count(role)];
  if (shown < all) {
    throw new MigrateError(
      "backfill-hidden-rows",
      `--backfill-role ${role}: row-level security shows ${role} ${shown} of the ${all} rows of ${table}, so the backfill would finish with the others unfilled: pass a role whose policies show every row.`,
      ExitCode.failure,
    );
  }
}
