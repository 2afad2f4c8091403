import { createTestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { migrate } from "./migrate";
import { fixtureFolder } from "./testing";

// The backfill's batches hold their rows' locks until they commit, so they are bounded by time:
// a batch over its limit is rolled back (its rows released to the application) and retried
// with fewer rows, and every row is still filled exactly as with fixed batches.

const ROWS = 500;
const folder = () =>
  fixtureFolder([
    {
      tag: "0000_notes",
      sql: `CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
--> statement-breakpoint
INSERT INTO notes SELECT i, 'note ' || i FROM generate_series(1, ${ROWS}) AS i;
--> statement-breakpoint
CREATE SEQUENCE slow_once;`,
    },
    {
      tag: "0001_copy_body_expand",
      sql: `-- expand: copy notes.body to body_copy
-- backfill: notes
ALTER TABLE notes ADD COLUMN body_copy text;
--> statement-breakpoint
CREATE FUNCTION copy_body() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.body_copy := NEW.body;
  -- The first time the backfill reaches row 250, touching it takes 2 s (a stall of the server).
  IF current_setting('migrator.backfill', true) = 'on' AND NEW.id = 250 AND nextval('slow_once') = 1 THEN
    PERFORM pg_sleep(2);
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER notes_copy_body BEFORE INSERT OR UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION copy_body();`,
    },
  ]);

async function backfill(options: { batchSize?: number; batchMs?: number }) {
  const database = await createTestDatabase();
  return withClient(database.url, async (client) => {
    const { backfilled } = await migrate({ client, folder: await folder(), backfill: options });
    const { rows } = await client.query(
      "SELECT count(*)::int AS filled, (SELECT count(*)::int FROM notes) AS total FROM notes WHERE body_copy = body",
    );
    const touches = (await client.query("SELECT last_value::int AS n FROM slow_once")).rows[0].n;
    return { result: backfilled[0], filled: rows[0], touchesOfRow250: touches };
  });
}

describe("backfill batches sized by time", () => {
  it("rolls back a batch that runs over its time limit and retries it with fewer rows, filling every row", async () => {
    // Limit 2 x 300 ms: the batch holding row 250 is cancelled instead of holding its rows for 2 s.
    const { result, filled, touchesOfRow250 } = await backfill({ batchSize: 100, batchMs: 300 });
    expect(filled).toEqual({ filled: ROWS, total: ROWS });
    expect(touchesOfRow250).toBe(2); // rolled back once, then filled
    expect(result).toMatchObject({ table: "notes", rows: ROWS });
    expect(result?.retried).toBeGreaterThanOrEqual(1);
    expect(result?.largestBatch).toBeLessThanOrEqual(100);
  }, 60_000);

  it("never puts more rows in a batch than --backfill-batch-size", async () => {
    const { result, filled } = await backfill({ batchSize: 30, batchMs: 5_000 });
    expect(filled).toEqual({ filled: ROWS, total: ROWS });
    expect(result?.largestBatch).toBe(30);
    expect(result?.batches).toBeGreaterThanOrEqual(Math.ceil(ROWS / 30));
  }, 60_000);

  it("with batchMs 0, runs fixed batches of batchSize with no time limit (the stall is waited out)", async () => {
    const { result, filled, touchesOfRow250 } = await backfill({ batchSize: 100, batchMs: 0 });
    expect(filled).toEqual({ filled: ROWS, total: ROWS });
    expect(result).toMatchObject({ rows: ROWS, batches: ROWS / 100, largestBatch: 100, retried: 0 });
    expect(touchesOfRow250).toBe(1);
  }, 60_000);
});

describe("a backfill batch and the migrator's own process", () => {
  it("never leaves rows locked while the server waits for the migrator: each batch commits before its reply comes back", async () => {
    // An application write to a row of the batch waits for the batch to commit. If the batch
    // committed only after more round trips (its progress, COMMIT), a stalled or descheduled
    // migrator would hold those rows for as long as it stalls. After every reply the migrator
    // gets during the backfill, its session is looked at from outside.
    const database = await createTestDatabase();
    const seen: { state: string; holdsWrites: boolean }[] = [];
    await withClient(database.url, (observer) =>
      withClient(database.url, async (client) => {
        const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
        let inBackfill = false;
        const watched = new Proxy(client, {
          get(target, property, receiver) {
            if (property !== "query") {
              const value = Reflect.get(target, property, receiver);
              return typeof value === "function" ? value.bind(target) : value;
            }
            return async (...args: unknown[]) => {
              const result = await (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
              if (inBackfill) {
                const { rows } = await observer.query(
                  'SELECT state, backend_xid IS NOT NULL AS "holdsWrites" FROM pg_stat_activity WHERE pid = $1',
                  [pid],
                );
                seen.push(rows[0]);
              }
              return result;
            };
          },
        }) as pg.Client;
        const { backfilled } = await migrate({
          client: watched,
          folder: await folder(),
          backfill: { batchSize: 50, batchMs: 5_000 },
          onEvent: (event) => {
            if (event.type === "backfill-start") inBackfill = true;
            if (event.type === "backfill-done") inBackfill = false;
          },
        });
        expect(backfilled[0]).toMatchObject({ rows: ROWS, batches: ROWS / 50 });
      }),
    );
    expect(seen.length).toBeGreaterThanOrEqual(ROWS / 50);
    expect(seen.filter((session) => session.holdsWrites || session.state !== "idle")).toEqual([]);
  }, 60_000);
});
