import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { migrate, readMigrations } from "@devtools-sync/migrate-core";
import pg from "pg";
import { catalogProblems } from "./catalog-checks";
import { dataLossFindings } from "./data-loss";
import type { Finding } from "./finding";
import { sortFindings } from "./finding";
import { historyFindings } from "./history";
import { squawkFindings } from "./squawk";
import { type Statement, splitStatements } from "./statements";
import { applyWaivers } from "./waivers";

export interface LintOptions {
  /** A drizzle-kit migrations folder (the journal's entries are the up migrations). */
  folder: string;
  /** An empty database the lint may migrate, one migration at a time, to read the catalog. */
  databaseUrl: string;
}

/**
 * Lints every migration of the folder: one line of history (no fork left by two branches), Squawk's rules, data-losing statements without a marker,
 * and, from the catalog of a database migrated one step at a time, the redundant indexes and
 * unindexed foreign keys each migration introduces. Down files (`NNNN_name.down.sql`) get the
 * SQL checks. Waivers in the files are applied; what remains is returned in a stable order.
 */
export async function lintMigrations({ folder, databaseUrl }: LintOptions): Promise<Finding[]> {
  // A forked history is reported alone: the migrations cannot be applied in one order.
  const forks = await historyFindings(folder);
  if (forks.length > 0) return sortFindings(forks);
  const migrations = await readMigrations(folder);
  const label = (file: string) => `${basename(folder)}/${file}`;
  const findings: Finding[] = [];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const known = new Set((await catalogProblems(client)).map((problem) => problem.key));
    for (const migration of migrations) {
      const file = `${migration.name}.sql`;
      const text = await readFile(join(folder, file), "utf8");
      const statements = splitStatements(text);
      await migrate({ client, folder, to: migration.name });
      const introduced = (await catalogProblems(client)).filter((problem) => !known.has(problem.key));
      for (const problem of introduced) known.add(problem.key);
      const own = [
        ...(await squawkFindings(join(folder, file), label(file), migration.transactional, statements)),
        ...dataLossFindings(label(file), text, statements),
        ...introduced.map(({ rule, objects, risk, fix }) => ({
          file: label(file),
          line: statementNaming(statements, objects),
          rule,
          risk,
          fix,
        })),
      ];
      findings.push(...applyWaivers(label(file), text, statements, own));
    }
  } finally {
    await client.end();
  }
  const downFiles = (await readdir(folder)).filter((file) => file.endsWith(".down.sql")).sort();
  for (const file of downFiles) {
    const text = await readFile(join(folder, file), "utf8");
    const statements = splitStatements(text);
    const transactional = !statements.some((statement) => /\bconcurrently\b/i.test(statement.sql));
    const own = [
      ...(await squawkFindings(join(folder, file), label(file), transactional, statements)),
      ...dataLossFindings(label(file), text, statements),
    ];
    findings.push(...applyWaivers(label(file), text, statements, own));
  }
  return sortFindings(findings);
}

/** Line of the first statement that names one of `objects` (most likely first), else of the first statement. */
function statementNaming(statements: Statement[], objects: string[]): number {
  for (const object of objects) {
    const pattern = new RegExp(`(^|[\\s."(])${object.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[\\s."(,)])`);
    const statement = statements.find((candidate) => pattern.test(candidate.sql));
    if (statement) return statement.startLine;
  }
  return statements[0]?.startLine ?? 1;
}
