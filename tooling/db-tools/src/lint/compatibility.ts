import type { Migration, Statement } from "@devtools-sync/migrate-core";
import { classifyMigration } from "../expand-contract/classify";
import type { Finding } from "./finding";

export const BREAKS_PREVIOUS_VERSION = "breaks-previous-version";

/**
 * A migration's statements that break the application version before it. A contract may (it runs
 * once that version is gone, and completes an expand); an expand or an ordinary migration may not.
 */
export function compatibilityFindings(migration: Migration, statements: Statement[]): Omit<Finding, "file">[] {
  if (migration.phase?.kind === "contract") return [];
  const verdicts = classifyMigration(statements.map((statement) => statement.sql));
  return statements.flatMap((statement, index) => {
    const verdict = verdicts[index];
    if (verdict?.verdict !== "breaking") return [];
    return [
      {
        line: statement.startLine,
        rule: BREAKS_PREVIOUS_VERSION,
        risk: `${verdict.kind}: ${verdict.reason}, while that version still runs during the deploy`,
        fix:
          migration.phase?.kind === "expand"
            ? "an expand must leave the previous shape usable: move this statement to the contract"
            : "generate it with pnpm db:generate, which writes an expand/contract pair (or write the pair with -- expand: / -- contract: markers); a reviewed exception: -- lint-ignore breaks-previous-version: <why no running version is affected>",
      },
    ];
  });
}
