import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../test-fixtures/harness";

// The README's migrator section says what `migrator --help` says: the synopsis, the command table
// and the exit codes. `--help` is generated from the commands' declarations, so a new command,
// flag or exit code that the README does not mention fails here.

const readme = await readFile(join(import.meta.dirname, "..", "..", "..", "README.md"), "utf8");
const start = readme.indexOf("\n## The migrator\n");
const section = readme.slice(start, readme.indexOf("\n## ", start + 1));

/** What `migrator --help` lists: commands with their own flags, the common flags, the exit codes. */
interface Help {
  commands: Map<string, string[]>;
  flags: string[];
  exitCodes: Map<string, string>;
}

function parseHelp(text: string): Help {
  const help: Help = { commands: new Map(), flags: [], exitCodes: new Map() };
  let part = "";
  let last: { code: string; text: string } | undefined;
  for (const line of text.split("\n")) {
    if (/^\S/.test(line)) {
      part = line;
      continue;
    }
    if (part === "Commands:") {
      const command = /^ {2}([a-z-]+) /.exec(line)?.[1];
      if (command) help.commands.set(command, []);
      const flag = /^ {4}(--[a-z-]+)/.exec(line)?.[1];
      if (flag) [...help.commands.values()].at(-1)?.push(flag);
    } else if (part.startsWith("Flags")) {
      const flag = /^ {2}(--[a-z-]+)/.exec(line)?.[1];
      if (flag) help.flags.push(flag);
    } else if (part === "Exit codes:") {
      const code = /^ {2}(\d) {2}(.*)$/.exec(line);
      if (code?.[1] && code[2] !== undefined) {
        last = { code: code[1], text: code[2] };
        help.exitCodes.set(last.code, last.text);
      } else if (last && line.trim() !== "") {
        last.text += ` ${line.trim()}`;
        help.exitCodes.set(last.code, last.text);
      }
    }
  }
  return help;
}

/** The rows of the markdown table whose header row starts with `| ${header} |`, as cells. */
function tableRows(header: string): string[][] {
  const lines = section.split("\n");
  const first = lines.findIndex((line) => line.startsWith(`| ${header} |`));
  expect(first, `a table headed "${header}" in the README's migrator section`).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, -1)
        .split(" | ")
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

const run = await runCli(["--help"]);
const help = parseHelp(run.stdout);

describe("the README's migrator section", () => {
  it("is read from a help text that lists commands, flags and exit codes", () => {
    expect(run.code).toBe(0);
    expect([...help.commands.keys()]).toContain("up");
    expect(help.flags).toContain("--database-url");
    expect(help.exitCodes.size).toBeGreaterThan(0);
  });

  it("has a synopsis naming every command, in --help's order, and every flag common to all", () => {
    const synopsis = /```\n(migrator [\s\S]*?)```/.exec(section)?.[1] ?? "";
    expect(/^migrator \[([a-z|-]+)\]/.exec(synopsis)?.[1]?.split("|")).toEqual([...help.commands.keys()]);
    const synopsisFlags = [...synopsis.matchAll(/\[(--[a-z-]+)/g)].map((match) => match[1]);
    expect(synopsisFlags).toEqual(help.flags.filter((flag) => flag !== "--help"));
  });

  it("has one row per command, in --help's order, each naming every flag of that command", () => {
    const rows = tableRows("command");
    expect(rows.map(([cell]) => /^`([a-z-]+)/.exec(cell ?? "")?.[1])).toEqual([...help.commands.keys()]);
    for (const row of rows) {
      const text = row.join(" ");
      const command = /^`([a-z-]+)/.exec(row[0] ?? "")?.[1] ?? "";
      for (const flag of help.commands.get(command) ?? []) {
        expect(text, `the README's row for ${command} names ${flag}`).toMatch(new RegExp(`${flag}\\b`));
      }
    }
  });

  it("lists exactly the exit codes of --help, each with the same meaning", () => {
    const rows = tableRows("exit code").map(([code, meaning]) => [code, meaning?.replaceAll("`", "")]);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(help.exitCodes));
  });
});
