import { execFile } from "node:child_process";
import { cp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createTestDatabase, databaseUrl, testServerUrl, withClient } from "@devtools-sync/local-postgres/testing";
import { describe, expect, it } from "vitest";
import { type CliRun, cliPath, freePort, lines, parseJsonLines, runCli, tempDir } from "../test-fixtures/harness";

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
    const url = target(PASSWORD, existing);
    const { username, hostname, port } = new URL(url);
    const run = await runCli(["up", "--database-url", url]);
    // The test server's own user, host and port: the npm server's, or TEST_DATABASE_URL's.
    const at = `${username}@${hostname}:${port || 5432}/${existing}`;
    expect(run.stderr).toContain(`Authentication failed for ${username} at ${at}: `);
    expectOneErrorLine(run, /^Error: Authentication failed for /, 2);
  });

  it("names the database when it does not exist, with exit 2", async () => {
    const url = databaseUrl(testServerUrl(), "no_such_database");
    const run = await runCli(["up", "--database-url", url]);
    expectOneErrorLine(run, /^Error: Database no_such_database does not exist on /, 2);
  });

  it("gives up on a server that is down after --connect-timeout, with exit 1", async () => {
    const url = `postgres://admin:${PASSWORD}@localhost:${await freePort()}/app`;
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

describe("when the pipeline's configuration is wrong", () => {
  it("reads a libpq-style socket URL (postgres://user:password@/database?host=/socket/dir), as psql and pg do", async () => {
    const { socketDir, port } = await withClient(testServerUrl(), async (client) => {
      const { rows } = await client.query(
        "SELECT split_part(current_setting('unix_socket_directories'), ',', 1) AS dir, current_setting('port') AS port",
      );
      return { socketDir: rows[0].dir as string, port: rows[0].port as string };
    });
    const server = new URL(testServerUrl());
    const url = `postgres://${server.username}:${server.password}@/${existing}?host=${encodeURIComponent(socketDir)}&port=${port}`;
    const run = await runCli(["status", "--database-url", url]);
    expect(run.stderr).not.toContain(server.password);
    expect(run.code).toBe(3);
    expect(lines(run.stderr)[0]).toMatch(/^0 applied, \d+ pending\.$/);
  });

  it("waits the whole --connect-timeout for a server that is down, not a part of it", async () => {
    const url = `postgres://admin:${PASSWORD}@localhost:${await freePort()}/app`;
    const run = await runCli(["status", "--json", "--database-url", url, "--connect-timeout", "3000"]);
    expect(run.code).toBe(1);
    const events = parseJsonLines(run.stdout);
    const waiting = events.find((event) => event.type === "waiting-for-database");
    const error = events.find((event) => event.type === "error");
    expect(error?.message).toMatch(/\(ECONNREFUSED\) after 3 s/);
    // A lower bound only, with room for the first attempt: a slow machine waits longer, never less.
    const waitedMs = Date.parse(error?.time as string) - Date.parse(waiting?.time as string);
    expect(waitedMs).toBeGreaterThanOrEqual(2_500);
  });

  it("stops at once on a host name that does not resolve, as a configuration error (exit 2)", async () => {
    const url = `postgres://admin:${PASSWORD}@db.nonexistent.invalid:5432/app`;
    const run = await runCli(["up", "--database-url", url, "--connect-timeout", "20000"]);
    expectOneErrorLine(
      run,
      /^Error: Host db\.nonexistent\.invalid of admin@db\.nonexistent\.invalid:5432\/app not found: fix the host name in DATABASE_URL\.$/,
      2,
    );
    expect(run.stderr).not.toMatch(/^Waiting for /m);
  });

  it("built for deployment, without any URL, says DATABASE_URL is required (exit 2)", async () => {
    // The bundle alone, as the Docker image ships it: no node_modules, so no embedded PostgreSQL.
    const image = await tempDir();
    await cp(dirname(cliPath), image, { recursive: true });
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(image, "cli.js"), "up"],
        { cwd: image, env: { PATH: process.env.PATH } },
        (error, _, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      "Error: DATABASE_URL is required: this build has no local PostgreSQL to fall back on; set DATABASE_URL (or DATABASE_URL_FILE) to the target database.",
    ]);
  });
});
