import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { withClient } from "@devtools-sync/local-postgres";
import { createTestDatabase, databaseUrl, testServerUrl } from "@devtools-sync/local-postgres/testing";
import { migrate, readMigrations } from "@devtools-sync/migrate-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScaleData } from "./data/load";
import { planFor } from "./data/plan";
import { benchHistory, type HistoryResult } from "./history";
import { writeHistoryResults } from "./history-report";
import { compareLockTimeouts, writeLockTimeoutResults } from "./lock-timeouts";
import { describeRun } from "./results";

// The history step, same code as `pnpm --filter @devtools-sync/bench history --scale 1`, on the
// pipeline's scale 0.001 in a database of its own. Timings are only recorded.

const SCALE = 0.001;
const plan = planFor(SCALE);
let url: string;
let outDir: string;
let history: HistoryResult;
let markdownPath: string;
const progress: string[] = [];
const database = await createTestDatabase("history");

beforeAll(async () => {
  url = database.url;
  await withClient(url, (client) => migrate({ client, folder: migrationsFolder }));
  const now = new Date();
  await loadScaleData(url, plan, now, () => {});
  history = await benchHistory({
    url,
    plan,
    now,
    lockTimeoutMs: 500,
    steadyMs: 200,
    connections: 2,
    ratePerSecond: 40,
    batchSize: 20,
    sampleRows: 1_000,
    progress: (line) => progress.push(line),
  });
  outDir = await mkdtemp(join(tmpdir(), "bench-history-"));
  markdownPath = await writeHistoryResults(outDir, {
    startedAt: new Date().toISOString(),
    scale: SCALE,
    ...(await withClient(url, (client) => describeRun(client, plan))),
    history,
  });
  // Twelve scratch databases, one per migration: longer than the bench project's 120 s hook bound on a busy machine.
}, 400_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe("the committed migrations' lock plan next to their measured durations, at scale 0.001", () => {
  it("rolls the copy back to the first migration with the down migrations, then applies every later one again", async () => {
    const names = (await readMigrations(migrationsFolder)).map((m) => m.name);
    expect(history.base).toBe(names[0]);
    expect(history.rolledBack).toEqual(names.slice(1).reverse());
    expect(history.migrations.map((m) => m.name)).toEqual(names.slice(1));
    const { applied } = await withClient(url, (client) => migrate({ client, folder: migrationsFolder }));
    expect(applied).toEqual([]);
  });

  it("plans each migration alone, at the version before it, with the copy's sizes", () => {
    for (const migration of history.migrations) {
      expect(migration.lockPlan.statements.map((s) => s.migration)).toEqual(
        migration.lockPlan.statements.map(() => migration.name),
      );
    }
    const compliance = history.migrations.find((m) => m.name === "0006_add_reports_compliance_index");
    const build = compliance?.lockPlan.statements[0];
    expect(build?.work).toEqual([
      expect.objectContaining({ kind: "index-build", table: "reports", index: "reports_group_id_extension_id_idx" }),
    ]);
    expect(build?.work[0]?.rows).toBeGreaterThan(0);
    expect(build?.verdict).not.toMatch(/^blocks/);
    expect(compliance?.estimatedMs).toBeGreaterThan(0);
    // 0002 validates the reported_at check on reports: a scan, measured, with the copy's row count.
    const validate = history.migrations
      .find((m) => m.name === "0002_enforce_not_null_and_value_sets")
      ?.lockPlan.statements.find((s) => /VALIDATE CONSTRAINT "reports_reported_at_not_null"/.test(s.sql));
    expect(validate?.work).toEqual([expect.objectContaining({ kind: "scan", table: "reports" })]);
  });

  it("measures each migration under the application's load, and no application query fails", () => {
    for (const migration of history.migrations) {
      expect(migration.measuredMs).toBeGreaterThan(0);
      expect(migration.before.queries).toBeGreaterThan(0);
    }
    expect(history.failures).toEqual([]);
    expect(history.lockTimeoutMs).toBe(500);
  });

  it("writes estimate and measurement side by side in Markdown, with the full plan and the machine", async () => {
    const markdown = await readFile(markdownPath, "utf8");
    expect(markdown).toContain("# Committed migrations: lock plan vs measured, scale 0.001");
    expect(markdown).toMatch(/^Machine: .+ cores, .+PostgreSQL 1\d/m);
    for (const migration of history.migrations) expect(markdown).toContain(`| ${migration.name} | `);
    expect(markdown).toMatch(
      /\| 0006_add_reports_compliance_index \| 1 \| `CREATE INDEX CONCURRENTLY .*` \| safe \| builds an index on reports \([\d,]+ rows\) \| [\d.]+ \|/,
    );
    expect(markdown).toContain("### Lock plan of every committed migration, each at the version before it");
    const json = JSON.parse(await readFile(markdownPath.replace(/\.md$/, ".json"), "utf8"));
    expect(json.history.migrations).toHaveLength(history.migrations.length);
  });
});

describe("the live migration at two lock_timeouts, side by side, at scale 0.001", () => {
  let comparison: Awaited<ReturnType<typeof compareLockTimeouts>>;
  let comparisonPath: string;

  beforeAll(async () => {
    // Copies of the loaded (and, by then, migrated again) database of this file.
    let copies = 0;
    const copy = async () => {
      const name = `${database.name}_copy_${copies++}`;
      await withClient(testServerUrl(), (client) =>
        client.query(`CREATE DATABASE "${name}" TEMPLATE "${database.name}"`),
      );
      return {
        url: databaseUrl(testServerUrl(), name),
        drop: async () => {
          await withClient(testServerUrl(), (client) => client.query(`DROP DATABASE "${name}" WITH (FORCE)`));
        },
      };
    };
    comparison = await compareLockTimeouts({
      copy,
      scale: SCALE,
      plan,
      now: new Date(),
      lockTimeouts: [500, 5000],
      steadySeconds: 1,
      blockerMs: 1500,
      progress: () => {},
    });
    comparisonPath = await writeLockTimeoutResults(outDir, {
      startedAt: new Date().toISOString(),
      scale: SCALE,
      ...comparison,
    });
  }, 300_000);

  it("retries under 500 ms behind the 1.5 s report, and waits it out at 5 s without a retry", () => {
    expect(comparison.runs.map((run) => run.live.lockTimeoutMs)).toEqual([500, 5000]);
    expect(comparison.runs[0]?.live.lockTimeoutRetries).toBeGreaterThan(0);
    expect(comparison.runs[1]?.live.lockTimeoutRetries).toBe(0);
    for (const run of comparison.runs) {
      expect(run.live.failures).toEqual([]);
      expect(run.live.phases.during.queries).toBeGreaterThan(0);
    }
  });

  it("writes both runs side by side, with a chart each", async () => {
    const markdown = await readFile(comparisonPath, "utf8");
    expect(markdown).toContain("| | lock_timeout 500 ms | lock_timeout 5000 ms |");
    expect(markdown).toMatch(
      /\| \*\*slowest query during the migrations, ms\*\* \| \*\*[\d.]+\*\* \| \*\*[\d.]+\*\* \|/,
    );
    expect(markdown).toMatch(/\| queries slower than the lock_timeout before \/ during \| \d+ \/ \d+ \| \d+ \/ \d+ \|/);
    for (const ms of [500, 5000]) {
      const svg = await readFile(comparisonPath.replace(/\.md$/, `-${ms}ms.svg`), "utf8");
      expect(svg).toMatch(/^<svg /);
    }
  });
});
