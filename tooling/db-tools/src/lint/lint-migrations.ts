import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  migrate,
  readMigrations,
  runsInTransaction,
  type Statement,
  splitStatements,
} from "@devtools-sync/migrate-core";
import pg from "pg";
import { catalogProblems } from "./catalog-checks";
import { compatibilityFindings } from "./compatibility";
import { dataLossFindings } from "./data-loss";
import type { Finding } from "./finding";
import { sortFindings } from "./finding";
import { historyFindings } from "./history";
import { squawkFindings } from "./squawk";
import { applyWaivers, SIDECAR_EXTENSION, sidecarOf } from "./waivers";

export interface LintOptions {
  /** A drizzle-kit migrations folder (the journal's entries are the up migrations). */
  folder: string;
  /** An empty database the lint may migrate, one migration at a time, to read the catalog. */
  databaseUrl: string;
}

/**
 * Lints every migration of the folder: one line of history (no fork left by two branches), Squawk's rules, data-losing statements without a marker,
 * statements that break the previous application version outside a contract,
 * and, from the catalog of a database migrated one step at a time, the redundant indexes and
 * unindexed foreign keys each migration introduces. Down files (`NNNN_name.down.sql`) get the
 * SQL checks. Waivers in the files and in their `.lint-ignore` sidecars are applied; what remains
 * is returned in a stable order.
 */
export async function lintMigrations({ folder, databaseUrl }: LintOptions): Promise<Finding[]> {
  // A forked history is reported alone: the migrations cannot be applied in one order.
  const forks = await historyFindings(folder);
  if (forks.length > 0) return sortFindings(forks);
  const migrations = await readMigrations(folder);
  const findings: Finding[] = [];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const known = new Set((await catalogProblems(client)).map((problem) => problem.key));
    for (const migration of migrations) {
      await migrate({ client, folder, to: migration.name });
      const introduced = (await catalogProblems(client)).filter((problem) => !known.has(problem.key));
      for (const problem of introduced) known.add(problem.key);
      findings.push(
        ...(await lintFile(folder, `${migration.name}.sql`, (statements) => [
          ...introduced.map(({ rule, objects, risk, fix }) => ({
            rule,
            risk,
            fix,
            line: statementNaming(statements, objects),
          })),
          ...compatibilityFindings(migration, statements),
        ])),
      );
    }
  } finally {
    await client.end();
  }
  return sortFindings([...findings, ...(await lintDownFiles(folder)), ...(await orphanSidecars(folder))]);
}

/** Sidecars whose migration does not exist (renamed or removed), so their waivers apply to nothing. */
async function orphanSidecars(folder: string): Promise<Finding[]> {
  const files = await readdir(folder);
  const owned = new Set(files.filter((name) => name.endsWith(".sql")).map(sidecarOf));
  return files
    .filter((name) => name.endsWith(SIDECAR_EXTENSION) && !owned.has(name))
    .map((name) => ({
      file: `${basename(folder)}/${name}`,
      line: 1,
      rule: "orphan-waiver-file",
      risk: `${name} holds waivers for a migration that does not exist, so they waive nothing`,
      fix: `rename it after its migration (NNNN_name${SIDECAR_EXTENSION} next to NNNN_name.sql) or delete it`,
    }));
}

/** The SQL checks of every down file (`NNNN_name.down.sql`) of the folder. */
export async function lintDownFiles(folder: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const file of (await readdir(folder)).filter((name) => name.endsWith(".down.sql")).sort()) {
    findings.push(...(await lintFile(folder, file, () => [])));
  }
  return sortFindings(findings);
}

/**
 * Squawk's and the data-loss findings of one file plus `extra` ones located in it, after its
 * waivers. Squawk judges the file as the migrator runs it: in a transaction or not, by the engine's rule.
 */
async function lintFile(
  folder: string,
  file: string,
  extra: (statements: Statement[]) => Omit<Finding, "file">[],
): Promise<Finding[]> {
  const label = `${basename(folder)}/${file}`;
  const text = await readFile(join(folder, file), "utf8");
  const statements = splitStatements(text);
  const own = [
    ...(await squawkFindings(join(folder, file), label, runsInTransaction(statements), statements)),
    ...dataLossFindings(label, text, statements),
    ...extra(statements).map((finding) => ({ file: label, ...finding })),
  ];
  const sidecar = await readFile(join(folder, sidecarOf(file)), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  return applyWaivers(
    { file: label, text },
    statements,
    own,
    sidecar === undefined ? undefined : { file: `${basename(folder)}/${sidecarOf(file)}`, text: sidecar },
  );
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
