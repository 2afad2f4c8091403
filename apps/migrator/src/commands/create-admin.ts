import { readFile } from "node:fs/promises";
import { createUserRequestSchema } from "@devtools-sync/api-types";
import { ExitCode, MigrateError, pendingMigrations } from "@devtools-sync/migrate-core";
import bcrypt from "bcryptjs";
import type pg from "pg";
import { defineCommand } from "../command";
import type { MigratorConfig } from "../config";
import { withConnection } from "../connection";
import type { Reporter } from "../output";

/** bcrypt's cost: 2^12 rounds, OWASP's floor for bcrypt. */
const BCRYPT_COST = 12;
/** bcrypt hashes only a password's first 72 bytes; a longer one would be accepted by any password sharing them. */
const BCRYPT_MAX_BYTES = 72;

export interface CreateAdminResult {
  id: string;
  email: string;
  /** False when this administrator existed already, with this password. */
  created: boolean;
}

/**
 * Creates the first administrator of a database (seed 004 ships default users; we ship none):
 * an active `admin` user whose password is stored only as a bcrypt hash. Idempotent: an existing
 * active admin with this e-mail and password is left as it is; any other user with this e-mail
 * (another role, inactive, deleted, another password) is refused, never changed.
 */
export async function createAdmin(
  config: MigratorConfig,
  reporter: Reporter,
  email: string,
  password: string,
): Promise<CreateAdminResult> {
  const request = createUserRequestSchema.safeParse({ email, password, role: "admin" });
  if (!request.success) {
    const issue = request.error.issues[0];
    const field = issue?.path[0] === "password" ? "the password in --password-file" : `--email ${email}`;
    throw new MigrateError("bad-admin", `Cannot create the administrator: ${field} ${issue?.message}.`, ExitCode.usage);
  }
  if (Buffer.byteLength(password) > BCRYPT_MAX_BYTES) {
    throw new MigrateError(
      "bad-admin",
      `Cannot create the administrator: the password in --password-file is longer than bcrypt's ${BCRYPT_MAX_BYTES} bytes; choose a shorter one.`,
      ExitCode.usage,
    );
  }
  return withConnection(config, reporter, async (client, { target }) => {
    const pending = await pendingMigrations({ client, folder: config.migrationsDir });
    if (pending.length > 0) {
      throw new MigrateError(
        "pending-migrations",
        `${pending.length} migration(s) are pending on ${target.display} (first ${pending[0]?.name}): run migrator up before migrator create-admin.`,
        ExitCode.usage,
      );
    }
    const existing = await findUser(client, email);
    if (existing) return sameAdmin(existing, email, password, target.display);
    const hash = await bcrypt.hash(password, BCRYPT_COST);
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO users (email, password_hash, role) VALUES ($1, $2, 'admin')
       ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`,
      [email, hash],
    );
    const id = inserted.rows[0]?.id;
    if (id) return { id, email, created: true };
    // Another run created the user since the lookup: judged like any existing user.
    return sameAdmin(await findUser(client, email), email, password, target.display);
  });
}

interface ExistingUser {
  id: string;
  password_hash: string;
  role: string;
  is_active: boolean;
  deleted_at: Date | null;
}

async function findUser(client: pg.ClientBase, email: string): Promise<ExistingUser | undefined> {
  const { rows } = await client.query<ExistingUser>(
    // One account per address whatever its case (users_email_lower_key), so looked up the same way.
    "SELECT id, password_hash, role, is_active, deleted_at FROM users WHERE lower(email) = lower($1)",
    [email],
  );
  return rows[0];
}

/** The existing user when it is the administrator asked for (active, this password); else a one-line refusal. */
async function sameAdmin(
  existing: ExistingUser | undefined,
  email: string,
  password: string,
  display: string,
): Promise<CreateAdminResult> {
  if (!existing) throw new Error(`user ${email} conflicted on insert but cannot be read`);
  const difference =
    existing.role !== "admin"
      ? `a ${existing.role}`
      : existing.deleted_at !== null
        ? "deleted"
        : !existing.is_active
          ? "inactive"
          : !existing.password_hash.startsWith("$2") || !(await bcrypt.compare(password, existing.password_hash))
            ? "an administrator with another password"
            : undefined;
  if (difference) {
    throw new MigrateError(
      "admin-conflict",
      `User ${email} already exists on ${display}, ${difference}; create-admin changes no existing user: use another e-mail, or change this one in the application.`,
      ExitCode.usage,
    );
  }
  return { id: existing.id, email, created: false };
}

/** The password: the file's content without its final line break; never from the command line. */
async function readPasswordFile(path: string | undefined): Promise<string> {
  if (!path) {
    throw new MigrateError(
      "usage",
      "migrator create-admin needs --password-file <file> (and --email): see migrator --help.",
      ExitCode.usage,
    );
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new MigrateError("usage", `Cannot read --password-file ${path} (${reason}).`, ExitCode.usage);
  }
  return text.replace(/\r?\n$/, "");
}

export const createAdminCommand = defineCommand({
  name: "create-admin",
  summary:
    "Create the first administrator (an active admin user) with the password read from a file, stored only as a bcrypt hash. " +
    "Idempotent: the same e-mail and password again changes nothing; another existing user with that e-mail is refused.",
  flags: {
    email: { type: "string", value: "address", help: "the administrator's e-mail address" },
    "password-file": {
      type: "string",
      value: "file",
      help: "file holding the password (12 to 72 bytes; one final line break is ignored)",
    },
    password: {
      type: "string",
      help: "refused: a password on the command line stays in shell history and process lists; use --password-file",
    },
  },
  async run(config, reporter, values) {
    if (values.password !== undefined) {
      throw new MigrateError(
        "password-on-command-line",
        "migrator create-admin takes no --password: a password on the command line stays in shell history and process lists; put it in a file and pass --password-file.",
        ExitCode.usage,
      );
    }
    const password = await readPasswordFile(values["password-file"]);
    if (!values.email) {
      throw new MigrateError(
        "usage",
        "migrator create-admin needs --email <address>: see migrator --help.",
        ExitCode.usage,
      );
    }
    const result = await createAdmin(config, reporter, values.email, password);
    reporter.result(
      result.created
        ? `Created administrator ${result.email} (${result.id}).`
        : `Administrator ${result.email} already exists with this password; nothing changed.`,
      { command: "create-admin", ...result },
    );
    return ExitCode.ok;
  },
});
