// pnpm db:generate [drizzle-kit generate flags]: drizzle-kit generate, then, for each migration it
// added, the classification of every statement against the previous application version; a
// migration with a breaking statement is replaced by its expand/contract pair
// (src/expand-contract), the others get their down migration (scripts/down-migration.ts). Flags go
// to drizzle-kit unchanged, except --up '<table>.<column>=<SQL expression>' (repeatable): what a row
// the previous version writes gets where a new rule (NOT NULL, CHECK, foreign key, unique) refuses
// its value, as pgroll's `up`; a pair that needs one and lacks it is not written.
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { classifyMigration, statementSql } from "../src/expand-contract/classify";
import { NotPairable } from "../src/expand-contract/plan";
import { classificationLines, readGenerated, replaceWithPair } from "../src/expand-contract/write-pair";
import { writeDownMigrations } from "./down-migration";

const { up, args } = upFlags(process.argv.slice(2));
const folder = await migrationsFolder();
const before = await tags(folder);
// drizzle-kit exports no path to its CLI; it sits next to its main module.
const drizzleKit = join(dirname(fileURLToPath(import.meta.resolve("drizzle-kit"))), "bin.cjs");
const run = spawnSync(process.execPath, [drizzleKit, "generate", ...args], { stdio: "inherit" });
if (run.status !== 0) process.exit(run.status ?? 1);
const added = (await tags(folder)).filter((tag) => !before.includes(tag));
const paired: string[] = [];
const downFiles: string[] = [];
for (const tag of added) {
  const { statements } = await readGenerated(folder, tag);
  if (statements.length === 0) continue;
  console.log(`${tag}, statement by statement, against the application version before it:`);
  for (const line of classificationLines(statements)) console.log(line);
  if (!classifyMigration(statements.map(statementSql)).some((verdict) => verdict.verdict === "breaking")) continue;
  try {
    const pair = await replaceWithPair(folder, tag, up);
    paired.push(tag);
    downFiles.push(join(folder, `${pair.expand}.down.sql`), join(folder, `${pair.contract}.down.sql`));
    console.log(
      `Breaking, so written as an expand/contract pair instead of ${tag}:\n  ${pair.expand}.sql: both versions work after it (the new one with createDb's schemaVersion "${pair.expand}")\n  ${pair.contract}.sql: the migrator holds it until the previous version is gone`,
    );
  } catch (error) {
    if (!(error instanceof NotPairable)) throw error;
    console.error(`${tag} was not written: ${error.message}`);
    process.exit(1);
  }
}
downFiles.push(
  ...(await writeDownMigrations(
    folder,
    added.filter((tag) => !paired.includes(tag)),
  )),
);
for (const path of downFiles) {
  const text = await readFile(path, "utf8");
  const marker = /^-- (irreversible|drops-data|todo-down):/.exec(text)?.[1];
  console.log(`Down migration: ${relative(process.cwd(), path)}${marker ? ` (${marker}: see its first line)` : ""}`);
}

/** Takes the --up flags out of `argv` (the rest goes to drizzle-kit); exits 2 on a malformed one. */
function upFlags(argv: string[]): { up: Record<string, string>; args: string[] } {
  const up: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg !== "--up" && !arg.startsWith("--up=")) {
      rest.push(arg);
      continue;
    }
    const value = arg === "--up" ? (argv[++i] ?? "") : arg.slice("--up=".length);
    const match = /^\s*([\w$]+)\.([\w$]+)\s*=(.+)$/s.exec(value);
    if (!match) {
      console.error(
        `pnpm db:generate: --up takes '<table>.<column>=<SQL expression over the row>', e.g. --up 'agents.slots=greatest(slots, 1)'; got '${value}'`,
      );
      process.exit(2);
    }
    up[`${match[1]}.${match[2]}`] = (match[3] as string).trim();
  }
  return { up, args: rest };
}

function flag(name: string): string | undefined {
  const index = args.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (index === -1) return undefined;
  const arg = args[index] as string;
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[index + 1];
}

/** Where drizzle-kit writes: `--out`, else the `out` of the config it reads. */
async function migrationsFolder(): Promise<string> {
  const out = flag("out");
  if (out !== undefined) return resolve(out);
  const config = await import(resolve(flag("config") ?? "drizzle.config.ts"));
  return resolve(config.default.out);
}

async function tags(folder: string): Promise<string[]> {
  try {
    const journal = JSON.parse(await readFile(join(folder, "meta", "_journal.json"), "utf8"));
    return journal.entries.map((entry: { tag: string }) => entry.tag);
  } catch {
    return [];
  }
}
