import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { majorFrom } from "../majors";
import { startThrowawayPostgres } from "../throwaway";
import { dropTemplates } from "./templates";
// The ProvidedContext declaration that types project.provide() lives with its readers.
import type {} from "./test-database";

/**
 * Vitest global setup: one PostgreSQL server per test run. `TEST_DATABASE_URL` (a role
 * allowed to CREATE DATABASE) wins; otherwise a throwaway server starts from npm binaries, of
 * major `TEST_PG_MAJOR` (14 to 18; default 17).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomBytes(4).toString("hex");
  project.provide("testRunId", runId);
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide("testServerUrl", given);
    return () => dropTemplates(given, runId);
  }
  const server = await startThrowawayPostgres({ major: majorFrom(process.env.TEST_PG_MAJOR, "TEST_PG_MAJOR") });
  project.provide("testServerUrl", server.url);
  return () => server.stop();
}
