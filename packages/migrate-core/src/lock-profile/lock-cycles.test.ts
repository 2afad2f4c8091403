import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MigrateError } from "../errors";
import type { MigrationEvent } from "../events";
import { readLedger } from "../ledger";
import { migrate } from "../migrate";
import { pendingMigrations } from "../pending-sql";
import { lockCycleFixture, writeMigrationsFolder } from "../testing";
import { lockGate } from "./before-up";
import { planLocks } from "./plan-locks";
import { formatLockPlanMarkdown } from "./report";

// The scale-1 history bench's failure, made deterministic: a migration that locks agents and then
// reports, against an application that writes reports and then agents in each transaction (the
// report batch), with a reports transaction always open (the next one begins before the last
// commits). The old migrator forms a lock cycle on every attempt; taking the locks up front in
// the application's order gets through.

const target = await createTestDatabase();
const dir = await mkdtemp(join(tmpdir(), "lock-cycles-"));
const { agentsAndReports: tables, checksOnAgentsThenReports: twoTables } = lockCycleFixture;

beforeAll(async () => {
  await writeMigrationsFolder(dir, [tables, twoTables]);
  await withClient(target.url, (client) => migrate({ client, folder: dir, to: tables.tag }));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs `migration` while the application writes: transactions that insert a report and then update
 * its agent, each committed only once the next one holds (or queues for) its lock on reports, so
 * a reports transaction is always open. The first holds reports before the migration starts. Two
 * sessions take turns; an observer reads pg_locks to know when the next one is there (no sleeps).
 */
async function underReportBatches<T>(migration: () => Promise<T>) {
  const sessions = [new pg.Client(target.url), new pg.Client(target.url)];
  const observer = new pg.Client(target.url);
  const errors: string[] = [];
  let transactions = 0;
  let outcome: Promise<T> | undefined;
  for (const client of [...sessions, observer]) await client.connect();
  try {
    // The migrator's lock_timeout, not the deadlock detector, breaks each cycle (as at scale 1).
    for (const session of sessions) await session.query("SET deadlock_timeout = '10min'");
    const pids = await Promise.all(
      sessions.map(async (session) => (await session.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number),
    );
    const begin = (session: pg.Client) =>
      session.query("BEGIN").then(() => session.query('INSERT INTO "reports" ("agent_id") VALUES (1)'));
    await begin(sessions[0] as pg.Client);
    let finished = false;
    outcome = migration();
    outcome.then(
      () => {
        finished = true;
      },
      () => {
        finished = true;
      },
    );
    for (let turn = 0; !finished; turn++) {
      const current = sessions[turn % 2] as pg.Client;
      const next = sessions[(turn + 1) % 2] as pg.Client;
      await current.query('UPDATE "agents" SET "last_sync" = now() WHERE "id" = 1');
      const nextBegun = begin(next);
      const holdsOrQueues = "SELECT count(*)::int AS n FROM pg_locks WHERE pid = $1 AND relation = 'reports'::regclass";
      while ((await observer.query(holdsOrQueues, [pids[(turn + 1) % 2]])).rows[0].n === 0);
      await current.query("COMMIT");
      transactions++;
      await nextBegun;
    }
    for (const session of sessions) await session.query("COMMIT");
  } catch (error) {
    errors.push((error as Error).message);
  } finally {
    for (const client of [...sessions, observer]) await client.end().catch(() => {});
  }
  return {
    outcome: await Promise.allSettled([outcome as Promise<T>]).then(([settled]) => settled),
    transactions,
    errors,
  };
}

describe("a migration that holds one table while asking for another", () => {
  it("is flagged by the lock plan from its measured locks, naming the tables, the order and the remedy", async () => {
    const plan = await withClient(target.url, (client) => planLocks({ client: client as pg.Client, folder: dir }));
    expect(plan.statements.map((statement) => statement.verdict)).toEqual(["safe", "safe"]);
    expect(plan.cycles).toHaveLength(1);
    const [risk] = plan.cycles;
    expect(risk?.migration).toBe(twoTables.tag);
    expect(risk?.first).toEqual({ table: "agents", mode: "AccessExclusiveLock", position: 1 });
    expect(risk?.then).toEqual([{ table: "reports", mode: "AccessExclusiveLock", position: 2 }]);
    // reports references agents: an insert locks reports, then its foreign-key check locks agents.
    expect(risk?.upFront).toEqual({
      before: 0,
      locks: [
        { table: "reports", mode: "AccessExclusiveLock" },
        { table: "agents", mode: "AccessExclusiveLock" },
      ],
    });
    expect(formatLockPlanMarkdown(plan)).toContain(
      `${twoTables.tag} lock cycle: holds ACCESS EXCLUSIVE on agents from statement 1 to its commit and then asks for ACCESS EXCLUSIVE on reports (#2)`,
    );
  }, 60_000);

  it("fails every retry against the report batches as it was, and gets through taking its locks up front", async () => {
    await withClient(target.url, async (client) => {
      const run = async (lockUpFront?: Awaited<ReturnType<typeof lockGate>>["upFront"]) => {
        const events: MigrationEvent[] = [];
        const load = await underReportBatches(() =>
          migrate({
            client,
            folder: dir,
            lockRetries: 2,
            onEvent: (event) => events.push(event),
            ...(lockUpFront ? { lockUpFront } : {}),
          }),
        );
        return { ...load, events };
      };

      const before = await run();
      expect(before.outcome?.status).toBe("rejected");
      const failure = before.outcome?.status === "rejected" ? before.outcome.reason : undefined;
      expect(failure).toBeInstanceOf(MigrateError);
      expect((failure as MigrateError).code).toBe("lock-timeout");
      expect(before.events.filter((event) => event.type === "lock-timeout-retry")).toHaveLength(2);
      expect(before.errors).toEqual([]);
      expect((await readLedger(client)).map((row) => row.name)).toEqual([tables.tag]);

      // What `up` does: the gate measures the pending migration and hands migrate its locks.
      const { upFront } = await lockGate({
        client: client as pg.Client,
        folder: dir,
        pending: await pendingMigrations({ client, folder: dir }),
        maxBlockingRows: 10_000,
        allowBlocking: [],
      });
      const after = await run(upFront);
      expect(after.outcome).toEqual({
        status: "fulfilled",
        value: expect.objectContaining({ applied: [twoTables.tag] }),
      });
      expect(after.events).toContainEqual({
        type: "locks-up-front",
        name: twoTables.tag,
        locks: ["LOCK TABLE reports IN ACCESS EXCLUSIVE MODE", "LOCK TABLE agents IN ACCESS EXCLUSIVE MODE"],
      });
      expect(after.errors).toEqual([]);
      expect(after.transactions).toBeGreaterThan(0);
    });
  }, 60_000);
});
