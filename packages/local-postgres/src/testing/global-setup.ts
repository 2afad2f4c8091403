import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalPostgres } from "../server";
// The ProvidedContext declaration that types project.provide() lives with its readers.
import type {} from "./test-database";

/**
 * Vitest global setup: one PostgreSQL server per test run. `TEST_DATABASE_URL` (a role
 * allowed to CREATE DATABASE) wins; otherwise a throwaway server starts from npm binaries.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide("testServerUrl", given);
    return async () => {};
  }
  const parent = await mkdtemp(join(tmpdir(), "devtools-sync-test-"));
  // mkdtemp makes a 0700 folder; as root the server runs as the OS user "postgres", who must traverse it.
  await chmod(parent, 0o755);
  const server = await startLocalPostgres({
    dataDir: join(parent, "pg"),
    port: 0,
    auth: "password",
    password: randomBytes(12).toString("hex"),
    persistent: false,
  });
  project.provide("testServerUrl", server.url);
  return async () => {
    await server.stop();
    await rm(parent, { recursive: true, force: true });
  };
}
