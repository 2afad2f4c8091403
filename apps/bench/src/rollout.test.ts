import { migrationsFolder } from "@devtools-sync/db/migrations";
import { withClient } from "@devtools-sync/local-postgres";
import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { migrate } from "@devtools-sync/migrate-core";
import { describe, expect, it } from "vitest";
import { loadScaleData } from "./data/load";
import { planFor } from "./data/plan";
import { runRollout } from "./rollout";

// The rollout scenario, same code as `pnpm --filter @devtools-sync/bench rollout --scale 0.1`, at
// scale 0.001: both application versions through expand, backfill and held contract without a
// failed query, and every row written before the expand filled by the backfill. Timings are only recorded.

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
      backfillBatchSize: 100,
      backfillPauseMs: 0,
    });

    expect(result.failures).toEqual([]);
    expect(result.phases.map((phase) => phase.name)).toEqual(["expand", "backfill", "contract"]);
    expect(result.held).toBe("9102_bench_rename_reports_extension_sha256_contract");
    expect(result.backfill).toMatchObject({ table: "reports", rows: reports, batches: Math.ceil(reports / 100) });
    expect(result.latency.previous.before.queries).toBeGreaterThan(0);
    expect(result.latency.next.after.queries).toBeGreaterThan(0);
    // The rows written before the expand kept their version under the new name; the old column is gone.
    expect(await count("SELECT count(*) AS n FROM reports WHERE sha256_extension IS NOT NULL")).toBeGreaterThanOrEqual(
      versioned,
    );
    expect(
      await count(
        "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'reports' AND column_name = 'extension_sha256'",
      ),
    ).toBe(0);
  }, 120_000);
});
