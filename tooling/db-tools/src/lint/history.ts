import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Finding } from "./finding";

// Two branches that each ran `pnpm db:generate` from the same parent produce two migrations with
// the same number, or (once a merge keeps both) two snapshots that claim the same parent. Either
// way the history is no longer one line, and the journal no longer says what the schema is.

const REGENERATE =
  "keep the migration that reached main first; on your branch delete yours (its .sql, its meta/NNNN_snapshot.json and its journal entry), take main's meta/ files, then run pnpm db:generate --name <verb_object> again and pnpm db:refresh";

interface Snapshot {
  id: string;
  prevId: string;
}

/** Breaks in the journal's and snapshots' single line of history, located in the journal. */
export async function historyFindings(folder: string): Promise<Finding[]> {
  const journalText = await readFile(join(folder, "meta/_journal.json"), "utf8");
  const entries = (JSON.parse(journalText) as { entries: { idx: number; tag: string }[] }).entries;
  const file = `${basename(folder)}/meta/_journal.json`;
  const lineOf = (tag: string) => journalText.split("\n").findIndex((line) => line.includes(`"${tag}"`)) + 1;
  const findings: Finding[] = [];
  const conflict = (tag: string, risk: string) =>
    findings.push({ file, line: lineOf(tag), rule: "branch-conflict", risk, fix: REGENERATE });

  const snapshots = new Map<string, Snapshot>();
  for (const name of (await readdir(join(folder, "meta"))).filter((n) => /^\d{4}_snapshot\.json$/.test(n))) {
    snapshots.set(name.slice(0, 4), JSON.parse(await readFile(join(folder, "meta", name), "utf8")) as Snapshot);
  }
  const seen = new Map<string, string>();
  let previous: Snapshot | undefined;
  for (const [position, entry] of entries.entries()) {
    const number = String(position).padStart(4, "0");
    const prefix = entry.tag.slice(0, 4);
    const twin = seen.get(prefix);
    if (twin !== undefined) {
      conflict(
        entry.tag,
        `${entry.tag} and ${twin} both are migration ${prefix}: two branches generated a migration from the same parent`,
      );
      continue;
    }
    seen.set(prefix, entry.tag);
    if (entry.idx !== position || prefix !== number) {
      conflict(
        entry.tag,
        `${entry.tag} is entry ${position} of the journal but numbered ${prefix} (idx ${entry.idx}): the history was merged or renumbered by hand`,
      );
      continue;
    }
    const snapshot = snapshots.get(number);
    if (!snapshot) {
      conflict(
        entry.tag,
        `${entry.tag} has no meta/${number}_snapshot.json, so the next generate would compare against the wrong schema`,
      );
      continue;
    }
    if (previous && snapshot.prevId !== previous.id) {
      const sibling = [...snapshots].find(([n, s]) => n !== number && s.prevId === snapshot.prevId)?.[0];
      conflict(
        entry.tag,
        sibling
          ? `meta/${number}_snapshot.json and meta/${sibling}_snapshot.json both follow the same parent: two branches generated a migration from the same parent`
          : `meta/${number}_snapshot.json does not follow the snapshot of the migration before it`,
      );
    }
    previous = snapshot;
  }
  for (const number of snapshots.keys()) {
    if (!entries.some((entry) => entry.tag.startsWith(number))) {
      findings.push({
        file: `${basename(folder)}/meta/${number}_snapshot.json`,
        line: 1,
        rule: "branch-conflict",
        risk: `meta/${number}_snapshot.json belongs to no migration of the journal`,
        fix: REGENERATE,
      });
    }
  }
  return findings;
}
