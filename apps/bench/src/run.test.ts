import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, withGroup } from "@devtools-sync/db/client";
import { type ComplianceViolation, complianceSummary, exportViolations } from "@devtools-sync/db/queries";
import { withClient } from "@devtools-sync/local-postgres";
import { testServerUrl } from "@devtools-sync/local-postgres/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupId } from "./data/rows";
import { dataDatabaseName } from "./database";
import { LARGE_TABLES } from "./hot-paths";
import type { BenchResults } from "./results";
import { runBench } from "./run";

// The full bench, same code as `pnpm bench --scale 1`, at scale 0.001 on the test server: it
// checks what a run writes and that the hot paths' plans use indexes. Timings are only recorded.

const SCALE = 0.001;
let outDir: string;
let results: BenchResults;
let markdownPath: string;
const lines: string[] = [];

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), "bench-results-"));
  ({ results, markdownPath } = await runBench({
    serverUrl: testServerUrl(),
    scale: SCALE,
    outDir,
    progress: (line) => lines.push(line),
    iterations: 3,
    steadySeconds: 1,
    // 100 agents fit in 2 pages, which the planner rightly scans: ask whether indexes serve each path.
    indexesOnly: true,
  }));
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
  await withClient(testServerUrl(), (client) =>
    client.query(`DROP DATABASE IF EXISTS "${dataDatabaseName(SCALE)}" WITH (FORCE)`),
  );
});

describe("the bench pipeline at scale 0.001", () => {
  it("loads the scale data by COPY, reporting rows per second for every table", () => {
    expect(results.load?.map((load) => load.table)).toEqual([
      "groups",
      "extensions",
      "group_extensions",
      "blocklist",
      "agents",
      "reports",
      "audit_log",
    ]);
    expect(results.load?.every((load) => load.rows > 0 && load.rowsPerSecond > 0)).toBe(true);
    expect(results.rows).toMatchObject({ groups: 20, agents: 100, auditLog: 1000 });
    expect(lines.some((line) => /^reports: [\d,]+ rows in [\d.]+ s, [\d,]+ rows\/s$/.test(line))).toBe(true);
  });

  it("writes JSON, markdown and an SVG chart, with the machine it ran on", async () => {
    const json = JSON.parse(await readFile(markdownPath.replace(/\.md$/, ".json"), "utf8")) as BenchResults;
    expect(json.scale).toBe(SCALE);
    expect(json.machine).toMatchObject({
      cores: expect.any(Number),
      postgres: expect.stringMatching(/^PostgreSQL 1\d/),
    });
    const markdown = await readFile(markdownPath, "utf8");
    expect(markdown).toContain("| compliance summary | median");
    expect(markdown).toContain("**ratio**");
    const svg = await readFile(markdownPath.replace(/\.md$/, ".svg"), "utf8");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("9004_bench_index_reports_extension_version".replace(/^\d+_bench_/, ""));
    expect((svg.match(/<circle /g) ?? []).length).toBe(
      json.liveMigration.phases.before.queries +
        json.liveMigration.phases.during.queries +
        json.liveMigration.phases.after.queries,
    );
  });

  it("measures every hot path on the median and the largest group", () => {
    const reads = [
      "compliance summary",
      "violations, first page of 100",
      "violations, page of 100 at 90% depth (keyset)",
      "violations of the busiest extension, first page",
      "wrong-version violations, first page",
      "agents not seen for 15 minutes",
      "audit trail, first page of 50",
      "audit trail, page 20 of 50 (keyset)",
    ];
    const writes = ["upsert a 500-report batch", "heartbeat"];
    const each = (names: string[]) =>
      ["median", "largest"].flatMap((group) => names.map((name) => `${group}: ${name}`));
    expect(results.hotPaths.map((h) => `${h.group}: ${h.name}`)).toEqual([...each(reads), ...each(writes)]);
    for (const hotPath of results.hotPaths) {
      expect(hotPath.latencyMs.p50).toBeGreaterThan(0);
      expect(hotPath.plan.buffers).toBeGreaterThan(0);
    }
  });

  it("reads the median group through indexes, never scanning agents, reports or the audit log", () => {
    for (const hotPath of results.hotPaths.filter((h) => h.group === "median" && !h.name.startsWith("upsert"))) {
      expect({ name: hotPath.name, seqScans: hotPath.plan.seqScans.filter((t) => LARGE_TABLES.includes(t)) }).toEqual({
        name: hotPath.name,
        seqScans: [],
      });
      expect(hotPath.plan.indexes.length).toBeGreaterThan(0);
    }
    const page = results.hotPaths.find((h) => h.group === "median" && h.name.startsWith("audit trail, page 20"));
    expect(page?.plan.indexes).toEqual(["audit_log_group_id_created_at_idx"]);
  });

  it("ingests the everyday mix and counts the row versions it wrote: one per new or changed entry", () => {
    const [reReport, first, previous] = results.ingest.scenarios;
    expect(reReport).toMatchObject({ name: "re-report, 2% changed" });
    expect(reReport?.changedRows).toBeGreaterThan(0);
    expect(reReport?.changedRows).toBeLessThan((reReport?.rows ?? 0) / 10);
    expect(reReport?.reports).toMatchObject({ inserted: 0, updated: reReport?.changedRows });
    expect(first).toMatchObject({ name: "first report" });
    expect(first?.reports).toMatchObject({ inserted: first?.rows, updated: 0 });
    // Freshness on the agent: last_sync once per batch.
    for (const scenario of [reReport, first, previous])
      expect(scenario?.agents).toMatchObject({ inserted: 0, updated: scenario?.batches });
    expect(results.ingest.ratio).toBeGreaterThan(0);
    expect(results.ingest.indexes).toContain("reports_user_hash_group_id_extension_id_key");
    expect(results.ingest.foreignKeys).toEqual(["reports_agent_id_fkey", "reports_group_id_fkey"]);
  });

  it("prices every index of reports and agents for its writes, and names the read paths using it", async () => {
    const { costs } = results.ingest.indexCosts;
    expect(costs.filter((c) => c.table === "reports").map((c) => c.index)).toEqual([...results.ingest.indexes].sort());
    for (const cost of costs) expect(cost.withoutPerSecond === null ? cost.note : cost.withoutPerSecond).toBeTruthy();
    const markdown = await readFile(markdownPath, "utf8");
    // Compliance reads the state tables now, not reports: the narrow index serves builds and the cascade only.
    expect(markdown).toMatch(/\| reports \| `reports_group_id_extension_id_narrow_idx` \| [\d,]+ \| none \|/);
  });

  it("streams the largest group's violations as COPY of the same query returns them, with the heap sampled", () => {
    const e = results.exportLargest;
    expect(e.rows).toBeGreaterThan(0);
    expect(e.ratio).toBeGreaterThan(0);
    expect(e.heapMaxMb).toBeGreaterThanOrEqual(e.heapBeforeMb);
  });

  it("keeps the compliance state exact through the run's ingest and live load, and loads it built", async () => {
    expect(results.complianceState).toMatchObject({ violations: 0, extensions: 0, groups: 0 });
    expect(lines).toContainEqual(expect.stringMatching(/^compliance state built in [\d.]+ s$/));
    const markdown = await readFile(markdownPath, "utf8");
    expect(markdown).toContain(
      "Compliance state after the run's writes against its full recomputation: violations 0 rows differ, extensions 0 rows differ, groups 0 rows differ",
    );
  });

  it("summarises each group exactly as its streamed violations count", async () => {
    const url = new URL(testServerUrl());
    url.pathname = `/${dataDatabaseName(SCALE)}`;
    const db = createDb(url.toString(), { max: 1 });
    try {
      for (const group of [0, 1, Math.floor((results.rows.groups ?? 20) / 2)]) {
        const id = groupId(group);
        const summary = await withGroup(db, id, (tx) => complianceSummary(tx, id));
        const violations = await withGroup(db, id, async (tx) => {
          const all: ComplianceViolation[] = [];
          for await (const violation of exportViolations(tx, id)) all.push(violation);
          return all;
        });
        const count = (problem: string, extensionId?: string) =>
          violations.filter((v) => v.problem === problem && (!extensionId || v.extensionId === extensionId)).length;
        expect(summary).toMatchObject({
          missing: count("missing_required"),
          blocked: count("blocked"),
          wrongVersion: count("wrong_version"),
          compliantAgents: summary.liveAgents - new Set(violations.map((v) => v.agentId)).size,
        });
        for (const e of summary.extensions)
          expect([e.missing, e.blocked, e.wrongVersion]).toEqual([
            count("missing_required", e.extensionId),
            count("blocked", e.extensionId),
            count("wrong_version", e.extensionId),
          ]);
      }
    } finally {
      await db.$client.end();
    }
  });

  it("applies the live migrations with the migrator while the load runs, and no application query fails", () => {
    const live = results.liveMigration;
    expect(live.migrations.map((m) => m.name)).toEqual([
      "9001_bench_add_reports_source",
      "9002_bench_add_reports_source_check",
      "9003_bench_validate_reports_source_check",
      "9004_bench_index_reports_extension_version",
    ]);
    expect(live.migrations.every((m) => m.end >= m.start)).toBe(true);
    expect(live.phases.before.queries).toBeGreaterThan(0);
    expect(live.phases.after.queries).toBeGreaterThan(0);
    expect(live.failures).toEqual([]);
  });

  it("makes the migrator wait behind a long report, retrying under its short lock_timeout, and shows the lock plan it measured before", async () => {
    const live = results.liveMigration;
    expect(live.lockTimeoutMs).toBe(500);
    expect(live.lockTimeoutRetries).toBeGreaterThan(0);
    expect([...new Set(live.lockPlan.statements.map((s) => s.migration))]).toEqual(live.migrations.map((m) => m.name));
    expect(live.lockPlan.statements.map((s) => s.verdict)).not.toContain("blocks reads");
    const markdown = await readFile(markdownPath, "utf8");
    expect(markdown).toContain("### Lock plan of the live migrations against this database");
    expect(markdown).toContain(
      "| migration | seconds (measured, under load) | estimated scan/rewrite seconds | verdicts |",
    );
  });

  it("leaves the loaded data untouched: each run works on a copy", async () => {
    const url = new URL(testServerUrl());
    url.pathname = `/${dataDatabaseName(SCALE)}`;
    const { rows } = await withClient(url.toString(), (client) =>
      client.query(
        "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'reports' AND column_name = 'source'",
      ),
    );
    expect(rows[0].n).toBe(0);
  });
});
