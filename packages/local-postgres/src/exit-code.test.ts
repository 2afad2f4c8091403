import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const tsx = createRequire(import.meta.url).resolve("tsx");
const throwaway = fileURLToPath(new URL("./throwaway.ts", import.meta.url));

describe("a process that ran a local PostgreSQL", () => {
  it("still exits with its own exit code (a failed test run or lint must fail CI)", async () => {
    const script = `
      const { startThrowawayPostgres } = await import(${JSON.stringify(throwaway)});
      const server = await startThrowawayPostgres();
      await server.stop();
      process.exitCode = 3;`;
    const code = await new Promise<number | null>((resolve) => {
      const child = execFile(process.execPath, ["--import", tsx, "--input-type=module", "-e", script]);
      child.on("close", resolve);
    });
    expect(code).toBe(3);
  }, 60_000);
});
