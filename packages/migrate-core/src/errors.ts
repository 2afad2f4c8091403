/** Why a run stopped, as a process exit code: the migrator's documented contract. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  pending: 3,
  integrity: 4,
  /** The lock gate refused a migration (it would block the application on a large table). */
  refused: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure to report in one line: what failed, which thing, and what to do. */
export class MigrateError extends Error {
  constructor(
    /** Stable machine-readable reason, e.g. `edited-migration`. */
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "MigrateError";
  }
}

/** An integrity problem: the files on disk and the database's history disagree. */
export function integrityError(code: string, message: string): MigrateError {
  return new MigrateError(code, message, ExitCode.integrity);
}
