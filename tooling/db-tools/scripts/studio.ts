// pnpm db:studio: drizzle-kit studio on DATABASE_URL, or else on the migrator's local PostgreSQL
// (.data/postgres), which `migrator start` runs for as long as the studio does. drizzle-kit serves
// only a local API; the pages are drizzle's hosted https://local.drizzle.studio, opened in a browser.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = join(import.meta.dirname, "..", "..", "..");
// Ctrl-C reaches every process of the terminal; this one waits for the studio and the server to stop.
process.on("SIGINT", () => {});
const local = process.env.DATABASE_URL ? undefined : await startLocal();
const url = process.env.DATABASE_URL ?? local?.url;
// drizzle-kit exports no path to its CLI; it sits next to its main module.
const drizzleKit = join(dirname(fileURLToPath(import.meta.resolve("drizzle-kit"))), "bin.cjs");
const studio = spawn(process.execPath, [drizzleKit, "studio", "--config", "drizzle-studio.config.ts"], {
  stdio: "inherit",
  env: { ...process.env, STUDIO_DATABASE_URL: url },
});
const [code] = await once(studio, "exit");
if (local?.server.exitCode === null) {
  local.server.kill("SIGTERM");
  await once(local.server, "exit");
}
process.exit(code ?? 1);

/** Runs `migrator start --json` (built by the root script) and reads the URL from its result line. */
async function startLocal(): Promise<{ url: string; server: ChildProcess }> {
  const server = spawn(process.execPath, ["apps/migrator/dist/cli.js", "start", "--json"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  for await (const line of createInterface({ input: server.stdout })) {
    if (!line.startsWith("{")) continue;
    const message = JSON.parse(line) as { type: string; url?: string; message?: string };
    if (message.type === "result" && message.url) return { url: message.url, server };
    if (message.type === "error") console.error(`Error: ${message.message}`);
  }
  process.exit(server.exitCode ?? (await once(server, "exit"))[0] ?? 1);
}
