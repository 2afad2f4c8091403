import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { ExitCode } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import { lines, refusal, runCli, tempDir } from "../test-fixtures/harness";
import { loadConfig } from "./config";

const dir = await tempDir();

describe("loadConfig", () => {
  it("takes flags over the environment over defaults", () => {
    const config = loadConfig(
      { "database-url": "postgres://flag@h/db", "lock-timeout": "200", "migrations-dir": migrationsFolder },
      { DATABASE_URL: "postgres://env@h/db", LOCK_TIMEOUT_MS: "900", LOCK_RETRIES: "2", CONNECT_TIMEOUT_MS: "1500" },
    );
    expect(config).toMatchObject({
      target: { url: "postgres://flag@h/db" },
      migrationsDir: migrationsFolder,
      lockTimeoutMs: 200,
      lockRetries: 2,
      connectTimeoutMs: 1500,
      json: false,
    });
    expect(loadConfig({}, { MIGRATIONS_DIR: migrationsFolder })).toMatchObject({
      target: undefined,
      lockTimeoutMs: 500,
      lockRetries: 5,
      connectTimeoutMs: 30_000,
    });
  });

  it("reads the URL from DATABASE_URL_FILE (a mounted secret), trimmed", async () => {
    const secret = join(dir, "url");
    await writeFile(secret, "postgres://app:pw@db/prod\n");
    const config = loadConfig({}, { DATABASE_URL_FILE: secret, MIGRATIONS_DIR: migrationsFolder });
    expect(config.target?.url).toBe("postgres://app:pw@db/prod");
  });

  it("lists every problem at once, with exit 2, and never echoes the URL", async () => {
    const error = await refusal(() =>
      loadConfig(
        {
          "database-url": "mysql://root:TopSecret-991@db/app",
          "migrations-dir": join(dir, "nowhere"),
          "lock-timeout": "soon",
          "lock-retries": "many",
          "connect-timeout": "-5",
        },
        { LOCAL_PG_PORT: "70000" },
      ),
    );
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.code).toBe("bad-config");
    expect(error.message).toMatch(/^Invalid configuration: /);
    for (const problem of [
      "the database URL starts with mysql://",
      `no drizzle-kit migrations in ${join(dir, "nowhere")}`,
      '--lock-timeout must be a whole number from 0 to 3600000, got "soon"',
      '--lock-retries must be a whole number from 0 to 100, got "many"',
      '--connect-timeout must be a whole number from 0 to 3600000, got "-5"',
      'LOCAL_PG_PORT must be a whole number from 1 to 65535, got "70000"',
    ]) {
      expect(error.message).toContain(problem);
    }
    expect(error.message).not.toContain("TopSecret-991");
    expect(error.message.split("\n")).toHaveLength(1);
  });

  it("names an unreadable DATABASE_URL_FILE and a URL that is not a URL", async () => {
    const unreadable = await refusal(() =>
      loadConfig({}, { DATABASE_URL_FILE: join(dir, "missing"), MIGRATIONS_DIR: migrationsFolder }),
    );
    expect(unreadable.message).toContain(`DATABASE_URL_FILE ${join(dir, "missing")} cannot be read`);
    const notUrl = await refusal(() =>
      loadConfig({ "database-url": "db.internal:5432" }, { MIGRATIONS_DIR: migrationsFolder }),
    );
    expect(notUrl.message).toContain("the database URL");
    expect(notUrl.exitCode).toBe(2);
  });
});

describe("a database URL that is set but empty (a CI secret that expanded to nothing)", () => {
  const local = { LOCAL_PG_DATA_DIR: join(dir, "local-postgres") };

  it.each([
    ["DATABASE_URL=", [], { DATABASE_URL: "" }, /^Error: Invalid configuration: DATABASE_URL is set but empty: /],
    [
      '--database-url ""',
      ["--database-url", ""],
      {},
      /^Error: Invalid configuration: --database-url is set but empty: /,
    ],
    ["DATABASE_URL=' '", [], { DATABASE_URL: " " }, /^Error: Invalid configuration: DATABASE_URL is set but empty: /],
    [
      "DATABASE_URL_FILE=",
      [],
      { DATABASE_URL_FILE: "" },
      /^Error: Invalid configuration: DATABASE_URL_FILE is set but empty: /,
    ],
  ])("%s is a configuration error (exit 2), and no local database is started", async (_, args, env, message) => {
    const run = await runCli(["up", ...args], { ...local, ...env });
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(message)]);
    expect(existsSync(local.LOCAL_PG_DATA_DIR)).toBe(false);
  });

  it("an empty DATABASE_URL_FILE is one too", async () => {
    const empty = join(dir, "empty-url");
    await writeFile(empty, "\n");
    const run = await runCli(["status"], { ...local, DATABASE_URL_FILE: empty });
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      `Error: Invalid configuration: DATABASE_URL_FILE ${empty} is empty: it must hold the database URL.`,
    ]);
    expect(existsSync(local.LOCAL_PG_DATA_DIR)).toBe(false);
  });
});
