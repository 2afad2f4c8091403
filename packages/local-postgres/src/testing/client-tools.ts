import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { withClient } from "../connection";

const run = promisify(execFile);

/** A folder holding pg_dump, pg_restore and psql of one major version. */
export interface ClientTools {
  bin: string;
  major: number;
}

// Where PostgreSQL's client programs live: the PATH, and Debian's and Ubuntu's per-major folders.
function candidateFolders(): string[] {
  const debian = "/usr/lib/postgresql";
  const majors = existsSync(debian) ? readdirSync(debian).map((major) => join(debian, major, "bin")) : [];
  return [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...majors];
}

/**
 * The newest pg_dump, pg_restore and psql that can dump the server at `url` (pg_dump refuses a
 * server of a newer major than its own), or null when this machine has none.
 */
export async function clientToolsFor(url: string): Promise<ClientTools | null> {
  const server = await withClient(url, async (client) =>
    Math.floor(Number((await client.query("SHOW server_version_num")).rows[0].server_version_num) / 10_000),
  );
  let best: ClientTools | null = null;
  for (const bin of new Set(candidateFolders())) {
    if (!["pg_dump", "pg_restore", "psql"].every((tool) => existsSync(join(bin, tool)))) continue;
    const { stdout } = await run(join(bin, "pg_dump"), ["--version"]);
    const major = Number(/(\d+)/.exec(stdout.replace(/^[^)]*\)/, ""))?.[1]);
    if (major >= server && (!best || major > best.major)) best = { bin, major };
  }
  return best;
}
