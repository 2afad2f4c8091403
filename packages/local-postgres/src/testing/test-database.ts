import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { databaseUrl, withClient } from "../connection";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the server every test file creates its own database on. */
    testServerUrl: string;
  }
}

/** A database of its own for one test file, dropped when the file's tests end. */
export interface TestDatabase {
  /** Connection string of the new, empty database. */
  url: string;
  /** Its name, for tests that build connection strings of their own. */
  name: string;
}

/** The superuser connection string of the run's test server. */
export function testServerUrl(): string {
  return inject("testServerUrl");
}

/** The PostgreSQL major of the run's test server (e.g. 17), for tests whose SQL differs between majors. */
export async function testServerMajor(): Promise<number> {
  const { rows } = await withClient(testServerUrl(), (client) => client.query("SHOW server_version_num"));
  return Math.floor(Number(rows[0].server_version_num) / 10_000);
}

/** Creates a fresh, empty database on the test server (call it at the top of a test file). */
export async function createTestDatabase(prefix = "t"): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const serverUrl = testServerUrl();
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  afterAll(() => withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));
  return { url: databaseUrl(serverUrl, name), name };
}
