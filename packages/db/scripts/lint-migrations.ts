// `pnpm db:check` (after drizzle-kit check): lints every migration on a throwaway PostgreSQL.
// Prints one finding per problem (file:line, rule, risk, fix) and exits 1 when there is any.
import { startThrowawayPostgres } from "@devtools-sync/local-postgres";
import { formatFinding } from "../src/lint/finding";
import { lintMigrations } from "../src/lint/lint-migrations";
import { migrationsFolder } from "../src/migrations";

const server = await startThrowawayPostgres();
try {
  const findings = await lintMigrations({ folder: migrationsFolder, databaseUrl: server.url });
  for (const finding of findings) console.error(formatFinding(finding));
  if (findings.length > 0) {
    console.error(
      `\n${findings.length} migration lint finding(s). Fix the migration, or waive an intended exception on the line above the statement: -- lint-ignore <rule>: <reason>`,
    );
    process.exitCode = 1;
  } else {
    console.log("migration lint: no findings");
  }
} catch (error) {
  console.error(`migration lint failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await server.stop();
}
