import { createServer } from "node:net";
import { createTestDatabase, databaseUrl, testServerUrl } from "@devtools-sync/local-postgres/testing";
import { describe, expect, it } from "vitest";
import { type CliRun, lines, runCli } from "../test-fixtures/harness";

// What an operator sees when the migrator cannot get to the database: one line naming the cause,
// the documented exit code, soon, and never the password.

const PASSWORD = "Zebra-Quokka-7731-secret";
const { name: existing } = await createTestDatabase();

/** The test server's URL with another password and database. */
function target(password: string, database: string): string {
  const url = new URL(databaseUrl(testServerUrl(), database));
  url.password = password;
  return url.toString();
}

/** A TCP port on localhost that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function expectOneErrorLine(run: CliRun, pattern: RegExp, exitCode: number) {
  expect(run.code).toBe(exitCode);
  expect(run.stdout).toBe("");
  // A "waiting for the database" notice may come first; the failure itself is one line, no stack.
  const errors = lines(run.stderr).filter((line) => !line.startsWith("Waiting for "));
  expect(errors).toEqual([expect.stringMatching(pattern)]);
  for (const secret of [PASSWORD, new URL(testServerUrl()).password]) {
    expect(run.stdout + run.stderr).not.toContain(secret);
  }
}

describe("when the migrator cannot reach its database", () => {
  it("rejects a database URL that is not a URL, with exit 2", async () => {
    expectOneErrorLine(await runCli(["up", "--database-url", "not a url"]), /^Error: .*database URL is not a URL/, 2);
    const badPort = `postgres://admin:${PASSWORD}@db.internal:notaport/app`;
    expectOneErrorLine(await runCli(["status", "--database-url", badPort]), /^Error: .*database URL is not a URL/, 2);
  });

  it("names the user when the password is wrong, with exit 2", async () => {
    const run = await runCli(["up", "--database-url", target(PASSWORD, existing)]);
    expectOneErrorLine(run, /^Error: Authentication failed for postgres at postgres@localhost:\d+\/t_\w+: /, 2);
  });

  it("names the database when it does not exist, with exit 2", async () => {
    const url = databaseUrl(testServerUrl(), "no_such_database");
    const run = await runCli(["up", "--database-url", url]);
    expectOneErrorLine(run, /^Error: Database no_such_database does not exist on /, 2);
  });

  it("gives up on a server that is down after --connect-timeout, with exit 1", async () => {
    const url = `postgres://admin:${PASSWORD}@localhost:${await closedPort()}/app`;
    const run = await runCli(["up", "--database-url", url, "--connect-timeout", "1000"]);
    expectOneErrorLine(
      run,
      /^Error: Cannot reach the database at admin@localhost:\d+\/app \(ECONNREFUSED\) after 1 s/,
      1,
    );
  });

  it("keeps the password out of --json output too", async () => {
    const run = await runCli(["up", "--json", "--database-url", target(PASSWORD, existing)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("");
    expect(run.stdout).not.toContain(PASSWORD);
    expect(JSON.parse(run.stdout)).toMatchObject({ type: "error", code: "connection-failed", exitCode: 2 });
  });
});
