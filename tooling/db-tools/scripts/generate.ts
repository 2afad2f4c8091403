// pnpm db:generate [drizzle-kit generate flags]: drizzle-kit generate, then the down migration of
// each migration it added (scripts/down-migration.ts). Flags go to drizzle-kit unchanged.
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeDownMigrations } from "./down-migration";

const args = process.argv.slice(2);
const folder = await migrationsFolder();
const before = await tags(folder);
// drizzle-kit exports no path to its CLI; it sits next to its main module.
const drizzleKit = join(dirname(fileURLToPath(import.meta.resolve("drizzle-kit"))), "bin.cjs");
const run = spawnSync(process.execPath, [drizzleKit, "generate", ...args], { stdio: "inherit" });
if (run.status !== 0) process.exit(run.status ?? 1);
const added = (await tags(folder)).filter((tag) => !before.includes(tag));
for (const path of await writeDownMigrations(folder, added)) {
  const text = await readFile(path, "utf8");
  const marker = /^-- (irreversible|drops-data|todo-down):/.exec(text)?.[1];
  console.log(`Down migration: ${relative(process.cwd(), path)}${marker ? ` (${marker}: see its first line)` : ""}`);
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
