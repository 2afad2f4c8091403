/**
 * Runs a command-line entry point: any failure becomes one line on stderr and a non-zero exit
 * (2 for a bad flag or value, 1 for anything else), never a stack trace.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const usage = (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") || error instanceof UsageError;
    process.stderr.write(`error: ${message.split("\n")[0]}\n`);
    process.exit(usage ? 2 : 1);
  });
}

/** A flag's value is wrong: the message names the flag and what it takes. */
export class UsageError extends Error {}
