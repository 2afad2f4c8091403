import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PostgresMajor } from "./majors";
import { startLocalPostgres } from "./server";

/** A server that lives in a temporary folder and is deleted with it. */
export interface ThrowawayPostgres {
  /** Superuser URL (password-protected) of the `postgres` database. */
  url: string;
  /** Stops the server and deletes its files. */
  stop(): Promise<void>;
}

/**
 * Starts a fresh PostgreSQL in a temporary folder: for a test run or a one-off tool (lint, schema
 * dump). `major` picks the PostgreSQL major (default 17).
 */
export async function startThrowawayPostgres(options: { major?: PostgresMajor } = {}): Promise<ThrowawayPostgres> {
  const parent = await mkdtemp(join(tmpdir(), "devtools-sync-pg-"));
  // mkdtemp makes a 0700 folder; as root the server runs as the OS user "postgres", who must traverse it.
  await chmod(parent, 0o755);
  try {
    const server = await startLocalPostgres({
      dataDir: join(parent, "pg"),
      port: 0,
      auth: "password",
      password: randomBytes(12).toString("hex"),
      persistent: false,
      ...options,
    });
    return {
      url: server.url,
      stop: async () => {
        await server.stop();
        await rm(parent, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(parent, { recursive: true, force: true });
    throw error;
  }
}
