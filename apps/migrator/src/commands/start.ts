import { ExitCode } from "@devtools-sync/migrate-core";
import { defineCommand } from "../command";
import { ensureDatabase, LOCAL_DATABASE, startLocalServer } from "../connection";

export const startCommand = defineCommand({
  name: "start",
  summary: "Run the local PostgreSQL (.data/postgres) in the foreground and print its URL; Ctrl-C stops it.",
  flags: {},
  async run(config, reporter) {
    const server = await startLocalServer(config);
    const url = await ensureDatabase(server.url, LOCAL_DATABASE);
    if (!server.startedHere) {
      reporter.result(`Already running: ${url}`, { command: "start", url, alreadyRunning: true });
      return ExitCode.ok;
    }
    reporter.print(url);
    reporter.result(`Local PostgreSQL running at ${url} (data in ${config.dataDir}); Ctrl-C stops it.`, {
      command: "start",
      url,
    });
    await new Promise((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await server.stop();
    return ExitCode.ok;
  },
});
