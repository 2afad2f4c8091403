import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTestDatabase, testServerUrl } from "@devtools-sync/local-postgres/testing";
import { describe, expect, it } from "vitest";
import { type CliRun, lines, runCli, tempDir } from "../test-fixtures/harness";

// Every command and failure mode of the migrator, run as a deploy runs it, with passwords in the
// URL (flag, DATABASE_URL, DATABASE_URL_FILE, ?password=) and in a role password file: none of
// them may appear in anything it prints, human or --json.

const dir = await tempDir();
const database = await createTestDatabase();
const serverPassword = decodeURIComponent(new URL(testServerUrl()).password);
const wrongPassword = `Wr0ng-${randomBytes(9).toString("hex")}`;
const rolePassword = `R0le-${randomBytes(9).toString("hex")}`;
const secrets = [serverPassword, wrongPassword, rolePassword];

const withPassword = (url: string, password: string) => {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
};
const withPath = (url: string, path: string) => {
  const parsed = new URL(url);
  parsed.pathname = path;
  return parsed.toString();
};
const unreachable = (() => {
  const parsed = new URL(database.url);
  parsed.port = "1";
  return parsed.toString();
})();
const asQueryParameter = (() => {
  const parsed = new URL(database.url);
  parsed.password = "";
  parsed.searchParams.set("password", serverPassword);
  return parsed.toString();
})();

const urlFile = join(dir, "database-url");
await writeFile(urlFile, `${database.url}\n`);
const wrongUrlFile = join(dir, "wrong-database-url");
await writeFile(wrongUrlFile, withPassword(database.url, wrongPassword));
const rolePasswordFile = join(dir, "role-password");
await writeFile(rolePasswordFile, rolePassword);

/** Where the URL comes from: a flag, DATABASE_URL, or DATABASE_URL_FILE. */
const sources = {
  flag: (url: string) => ({ args: ["--database-url", url], env: {} }),
  env: (url: string) => ({ args: [], env: { DATABASE_URL: url } }),
  file: (url: string) => ({ args: [], env: { DATABASE_URL_FILE: url === database.url ? urlFile : wrongUrlFile } }),
};

const roleEnv = { APP_ROLE: `leak_${randomBytes(3).toString("hex")}`, APP_ROLE_PASSWORD_FILE: rolePasswordFile };

/** Each command and failure mode: arguments, the URL, and the exit code it must end with. */
const cases: { name: string; args: string[]; url: string; code: number; env?: NodeJS.ProcessEnv }[] = [
  { name: "up", args: ["up"], url: database.url, code: 0, env: roleEnv },
  { name: "up again", args: ["up"], url: database.url, code: 0, env: roleEnv },
  { name: "status", args: ["status"], url: database.url, code: 0 },
  { name: "plan", args: ["plan"], url: database.url, code: 0 },
  { name: "verify", args: ["verify"], url: database.url, code: 0 },
  {
    name: "baseline of a migrated database",
    args: ["baseline", "--to", "0000_create_seed_schema"],
    url: database.url,
    code: 4,
  },
  { name: "seed refused (not development)", args: ["seed"], url: database.url, code: 2 },
  { name: "seed --force", args: ["seed", "--force"], url: database.url, code: 0 },
  { name: "password as ?password=", args: ["status"], url: asQueryParameter, code: 0 },
  { name: "wrong password", args: ["status"], url: withPassword(database.url, wrongPassword), code: 2 },
  { name: "missing database", args: ["up"], url: withPath(database.url, "/no_such_database"), code: 2 },
  { name: "unreachable port", args: ["status", "--connect-timeout", "300"], url: unreachable, code: 1 },
  { name: "sslmode=require without TLS", args: ["status"], url: `${database.url}?sslmode=require`, code: 1 },
  { name: "sslmode=prefer", args: ["status"], url: `${database.url}?sslmode=prefer`, code: 2 },
  {
    name: "unreadable sslrootcert",
    args: ["status"],
    url: `${database.url}?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem`,
    code: 2,
  },
  { name: "unknown command", args: ["upp"], url: database.url, code: 2 },
  { name: "bad flag value", args: ["up", "--lock-timeout", "soon"], url: database.url, code: 2 },
  { name: "missing migrations", args: ["up", "--migrations-dir", "/nonexistent"], url: database.url, code: 2 },
  { name: "bad role name", args: ["up", "--app-role", "Bad Name"], url: database.url, code: 2 },
];

// Every case from the flag, human and --json; from DATABASE_URL too; and the two URLs that
// DATABASE_URL_FILE holds (the right one, and one with a wrong password) from the file.
const runs = cases.flatMap((run) => [
  { ...run, source: "flag", json: false, from: sources.flag(run.url) },
  { ...run, source: "flag", json: true, from: sources.flag(run.url) },
  { ...run, source: "env", json: false, from: sources.env(run.url) },
  ...(run.url === database.url || run.url.includes(wrongPassword)
    ? [{ ...run, source: "file", json: false, from: sources.file(run.url) }]
    : []),
]);

/** Runs one case and says what went wrong with it, if anything. */
async function check(run: (typeof runs)[number]): Promise<string | undefined> {
  const result: CliRun = await runCli([...run.args, ...run.from.args, ...(run.json ? ["--json"] : [])], {
    ...run.from.env,
    ...run.env,
  });
  const label = `${run.name} (${run.source}${run.json ? ", --json" : ""})`;
  const output = `${result.stdout}${result.stderr}`;
  if (result.code !== run.code) return `${label}: exit ${result.code}, expected ${run.code}: ${output}`;
  if (output.length === 0) return `${label}: printed nothing`;
  if (/\n\s+at /.test(output)) return `${label}: printed a stack trace: ${output}`;
  const leaked = secrets.filter((secret) => output.includes(secret) || output.includes(encodeURIComponent(secret)));
  return leaked.length > 0 ? `${label}: printed a password` : undefined;
}

// Runs that write (up, seed) go one after another; the others two at a time.
const writes = new Set(["up", "up again", "seed --force"]);

describe("no password reaches the migrator's output", () => {
  it(`in ${runs.length} runs of every command and failure mode, from the flag, DATABASE_URL and DATABASE_URL_FILE`, async () => {
    const problems: (string | undefined)[] = [];
    for (const run of runs.filter((run) => writes.has(run.name))) problems.push(await check(run));
    const rest = runs.filter((run) => !writes.has(run.name));
    for (let i = 0; i < rest.length; i += 2) problems.push(...(await Promise.all(rest.slice(i, i + 2).map(check))));
    expect(problems).toHaveLength(runs.length);
    expect(problems.filter(Boolean)).toEqual([]);
  }, 240_000);
});

describe("TLS modes of sslmode", () => {
  it("sslmode=require against a server without TLS fails at once, in one line", async () => {
    const run = await runCli(["status", "--database-url", `${database.url}?sslmode=require`]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^Error: Cannot connect to .*: The server does not support SSL connections\.$/),
    ]);
  });

  it("sslmode=prefer is refused before connecting, naming the modes that work", async () => {
    const run = await runCli(["status", "--database-url", `${database.url}?sslmode=prefer`]);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/sslmode=prefer is not supported .*: use disable, require .*, verify-ca or verify-full/),
    ]);
  });
});
