import { migrationsFolder } from "@devtools-sync/db/migrations";
import { withClient } from "@devtools-sync/local-postgres";
import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { migrate } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import { loadScaleData } from "./data/load";
import { planFor } from "./data/plan";
import { runRollout } from "./rollout";

// The rollout scenario, same code as `pnpm --filter @devtools-sync/bench rollout --scale 1`, at
// scale 0.001: the pair pnpm db:generate's code writes for reports.extension_sha256 varchar(64) →
// text, both application versions' typed queries through expand, backfill (the migrator's
// default, batches sized by time) and held contract without a failed query, and every row
// written before the expand filled by the backfill. Timings are only recorded.

describe("the rollout scenario at scale 0.001", () => {
  it("runs the previous and the new version through expand, backfill and contract with no failed query", async () => {
    const database = await createTestDatabase();
    const plan = planFor(0.001);
    const now = new Date();
    await withClient(database.url, (client) => migrate({ client, folder: migrationsFolder }));
    await loadScaleData(database.url, plan, now, () => {});
    const count = (sql: string) =>
      withClient(database.url, async (client) => Number((await client.query(sql)).rows[0].n));
    const versioned = await count("SELECT count(*) AS n FROM reports WHERE extension_sha256 IS NOT NULL");
    const reports = await count("SELECT count(*) AS n FROM reports");

    const result = await runRollout({
      url: database.url,
      plan,
      now,
      steadySeconds: 1,
      connections: 1,
      ratePerSecond: 20,
      lockTimeoutMs: 500,
      backfill: {},
    });

    expect(result.failures).toEqual([]);
    expect(result.phases.map((phase) => phase.name)).toEqual(["expand", "backfill", "contract"]);
    expect(result.expand).toMatch(/^\d{4}_bench_reports_extension_sha256_text_expand$/);
    expect(result.held).toBe(result.contract);
    expect(result.backfill).toMatchObject({ table: "reports", rows: reports });
    expect(result.latency.previous.before.queries).toBeGreaterThan(0);
    expect(result.latency.next.after.queries).toBeGreaterThan(0);
    // The rows written before the expand kept their hash, now as text; the shadow column and the version schema are gone.
    expect(await count("SELECT count(*) AS n FROM reports WHERE extension_sha256 IS NOT NULL")).toBeGreaterThanOrEqual(
      versioned,
    );
    const columns = await withClient(database.url, async (client) =>
      (
        await client.query(
          "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'reports' AND column_name LIKE '%extension_sha256' ORDER BY 1",
        )
      ).rows.map((row) => `${row.column_name} ${row.data_type}`),
    );
    expect(columns).toEqual(["extension_sha256 text"]);
    expect(await count("SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 'v\\_%'")).toBe(0);
  }, 120_000);
});
