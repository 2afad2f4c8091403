import { ExitCode, MigrateError } from "./errors";
import { findMigration, type Migration } from "./journal";

// A contract removes the shape the previous application version uses, so `up` applies it only
// when the operator says that version is gone: it is held until released by name.

/** The pending migrations `up` applies now, and the contract it stops before (null: none held). */
export interface HeldSplit {
  runnable: Migration[];
  held: Migration | null;
}

/** Contracts are held (as `up` holds them), except the one `release` names. */
export interface HoldOptions {
  release?: string;
}

/**
 * Cuts `pending` before its first contract other than `hold.release`; without `hold`, nothing is
 * held (building a scratch copy, tests). `release` must name a contract of the folder (applied
 * or not, so that a repeated `up --contract` is a no-op).
 */
export function splitAtHeldContract(pending: Migration[], all: Migration[], hold: HoldOptions | undefined): HeldSplit {
  if (hold === undefined) return { runnable: pending, held: null };
  const { release } = hold;
  if (release !== undefined) {
    const released = findMigration(all, release);
    if (released.phase?.kind !== "contract") {
      throw new MigrateError(
        "not-a-contract",
        `--contract ${release} names a migration that is not a contract (no \`-- contract:\` line): pass a contract that status lists as held.`,
        ExitCode.usage,
      );
    }
  }
  const at = pending.findIndex((migration) => migration.phase?.kind === "contract" && migration.name !== release);
  if (at === -1) return { runnable: pending, held: null };
  return { runnable: pending.slice(0, at), held: pending[at] as Migration };
}
