// `pnpm db:check` (after drizzle-kit check): prints each committed statement's classification
// against the previous application version, lints every migration on a throwaway PostgreSQL and
// checks migrations/SHA256SUMS. Prints one finding per problem (file:line, rule, risk, fix) and
// exits 1 when there is any.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { startThrowawayPostgres } from "@devtools-sync/local-postgres";
import { readMigrations, splitStatements } from "@devtools-sync/migrate-core";
import { CHECKSUMS_FILE, checksumProblems, parseChecksums } from "../src/artifacts/checksums";
import { classifyMigration } from "../src/expand-contract/classify";
import { formatFinding } from "../src/lint/finding";
import { lintMigrations } from "../src/lint/lint-migrations";

/** One line per statement of every migration: compatible with the version before it, or breaking and why. */
async function printClassification(): Promise<void> {
  for (const migration of await readMigrations(migrationsFolder)) {
    const file = `${migration.name}.sql`;
    const statements = splitStatements(await readFile(join(migrationsFolder, file), "utf8"));
    const where = migration.phase?.kind === "contract" ? ", in a contract" : "";
    classifyMigration(statements.map((statement) => statement.sql)).forEach((verdict, index) => {
      const label = verdict.verdict === "breaking" ? `breaking (${verdict.kind}${where})` : "compatible";
      console.log(`migrations/${file}:${statements[index]?.startLine} ${label}: ${verdict.reason}`);
    });
  }
}

async function check(): Promise<number> {
  await printClassification();
  const server = await startThrowawayPostgres();
  try {
    const findings = await lintMigrations({ folder: migrationsFolder, databaseUrl: server.url });
    for (const finding of findings) console.error(formatFinding(finding));
    const recorded = parseChecksums(await readFile(join(migrationsFolder, CHECKSUMS_FILE), "utf8").catch(() => ""));
    const edits = findings.some((f) => f.rule === "branch-conflict")
      ? []
      : checksumProblems(await readMigrations(migrationsFolder), recorded);
    for (const problem of edits) console.error(problem);
    if (findings.length > 0) {
      console.error(
        `\n${findings.length} migration lint finding(s). Fix the migration, or waive an intended exception on the line above the statement: -- lint-ignore <rule>: <reason> (a migration already committed is frozen: -- lint-ignore-file <rule>: <reason> in its NNNN_name.lint-ignore)`,
      );
    }
    if (findings.length === 0 && edits.length === 0) console.log("migration lint: no findings");
    return findings.length + edits.length > 0 ? 1 : 0;
  } finally {
    await server.stop();
  }
}

// Exit explicitly, with the code check() decided (or 1 on an error it could not report as findings).
process.exit(
  await check().catch((error: unknown) => {
    console.error(`migration lint failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }),
);
