import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Database } from "../client";
import { migrationsFolder } from "../migrations";
import { agents, auditLog, groups, reports } from "../schema";
import type { Agent } from "../types";
import { auditTrailPage, recordHeartbeat, staleAgents, upsertReportBatch } from ".";

let db: Database;

beforeAll(async () => {
  db = createDb((await createMigratedTestDatabase(migrationsFolder)).url);
});
afterAll(() => db.$client.end());

const hash = (seed: string) => seed.repeat(64).slice(0, 64);
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

async function newGroup(): Promise<string> {
  const [group] = await db
    .insert(groups)
    .values({ name: unique("group") })
    .returning();
  return (group as { id: string }).id;
}
async function newAgent(groupId: string, values: Partial<typeof agents.$inferInsert> = {}): Promise<Agent> {
  const [agent] = await db
    .insert(agents)
    .values({
      groupId,
      machineId: unique("machine"),
      userHash: hash(unique("u").slice(-1)),
      platform: "linux",
      ...values,
    })
    .returning();
  return agent as Agent;
}

describe("upsertReportBatch", () => {
  it("inserts a new batch, then overwrites the same user's rows and adds the new ones", async () => {
    const groupId = await newGroup();
    const agent = await newAgent(groupId, { userHash: hash("a") });
    const batch = { agentId: agent.id, groupId, userHash: agent.userHash, clientIp: "10.1.2.3" };
    const first = await upsertReportBatch(db, {
      ...batch,
      entries: [
        { extensionId: "ms-python.python", installed: true, installedVersion: "2024.1.0", extensionSha256: hash("b") },
        { extensionId: "golang.go", installed: false },
      ],
    });
    expect(first).toBe(2);
    const [before] = await db.select().from(reports).where(eq(reports.extensionId, "ms-python.python"));
    await db.execute(sql`UPDATE ${reports} SET reported_at = '2020-01-01T00:00:00Z'`);

    const second = await upsertReportBatch(db, {
      ...batch,
      entries: [
        { extensionId: "ms-python.python", installed: true, installedVersion: "2024.2.0", extensionSha256: hash("c") },
        { extensionId: "eamodio.gitlens", installed: true, installedVersion: "15.0.0" },
      ],
    });
    expect(second).toBe(2);
    const rows = await db.select().from(reports).where(eq(reports.groupId, groupId)).orderBy(reports.extensionId);
    expect(rows.map((row) => [row.extensionId, row.installed, row.installedVersion])).toEqual([
      ["eamodio.gitlens", true, "15.0.0"],
      ["golang.go", false, null],
      ["ms-python.python", true, "2024.2.0"],
    ]);
    const python = rows.find((row) => row.extensionId === "ms-python.python");
    expect(python?.id).toBe(before?.id);
    expect(python?.clientIp).toBe("10.1.2.3");
    expect(python?.reportedAt.getUTCFullYear()).toBeGreaterThan(2020);
    expect(rows.find((row) => row.extensionId === "golang.go")?.reportedAt.getUTCFullYear()).toBe(2020);
  });

  it("writes only the entries that changed: an unchanged one keeps its row version, the agent's last_sync moves", async () => {
    const groupId = await newGroup();
    const agent = await newAgent(groupId, { userHash: hash("d") });
    const entries = Array.from({ length: 50 }, (_, i) => ({
      extensionId: `keep-${String(i).padStart(2, "0")}.ext`,
      installed: true,
      installedVersion: "1.0.0",
      extensionSha256: hash("e"),
    }));
    const batch = { agentId: agent.id, groupId, userHash: agent.userHash, clientIp: "10.0.0.1", entries };
    expect(await upsertReportBatch(db, batch)).toBe(50);
    await db.execute(sql`UPDATE ${reports} SET reported_at = '2020-01-01T00:00:00Z' WHERE group_id = ${groupId}`);
    await db.execute(sql`UPDATE ${agents} SET last_sync = '2020-01-01T00:00:00Z' WHERE id = ${agent.id}`);
    const versions = () =>
      db.execute<{ extension_id: string; ctid: string; year: number }>(
        sql`SELECT extension_id, ctid::text, extract(year FROM reported_at)::int AS year FROM ${reports} WHERE group_id = ${groupId} ORDER BY extension_id`,
      );
    const before = (await versions()).rows;
    // The same list again, from another address, then with one entry changed, each counted by the
    // connection's table statistics (row versions written) before and after, and by the rows the
    // batch's transaction left locked (a row lock is a write too: the row's page and the WAL).
    const written = (changed: typeof entries, clientIp: string) =>
      db.transaction(async (tx) => {
        const stats = async () =>
          (
            await tx.execute<{ updated: number; inserted: number }>(
              sql`SELECT n_tup_upd::int AS updated, n_tup_ins::int AS inserted FROM pg_stat_xact_user_tables WHERE relname = 'reports'`,
            )
          ).rows[0] ?? { updated: 0, inserted: 0 };
        const start = await stats();
        const rows = await upsertReportBatch(tx, { ...batch, clientIp, entries: changed });
        const end = await stats();
        const [locked] = (
          await tx.execute<{ n: number }>(
            sql`SELECT count(*)::int AS n FROM ${reports} WHERE group_id = ${groupId} AND xmax = pg_current_xact_id()::xid`,
          )
        ).rows;
        return {
          rows,
          updated: end.updated - start.updated,
          inserted: end.inserted - start.inserted,
          locked: locked?.n,
        };
      });
    expect(await written(entries, "10.0.0.2")).toEqual({ rows: 0, updated: 0, inserted: 0, locked: 0 });
    expect((await versions()).rows).toEqual(before);
    const [synced] = await db.select().from(agents).where(eq(agents.id, agent.id));
    expect(synced?.lastSync?.getUTCFullYear()).toBeGreaterThan(2020);
    const oneChanged = entries.map((entry, i) => (i === 7 ? { ...entry, installedVersion: "1.0.1" } : entry));
    expect(await written(oneChanged, "10.0.0.3")).toEqual({ rows: 1, updated: 1, inserted: 0, locked: 0 });
    const after = (await versions()).rows;
    expect(after.filter((row, i) => row.ctid !== before[i]?.ctid).map((row) => [row.extension_id, row.year])).toEqual([
      ["keep-07.ext", new Date().getUTCFullYear()],
    ]);
  });

  it("rewrites a changed entry in its own page (a HOT update, no index entry), even where a batch of inserts filled the pages", async () => {
    const groupId = await newGroup();
    const agent = await newAgent(groupId);
    const entries = Array.from({ length: 500 }, (_, i) => ({
      extensionId: `hot-${String(i).padStart(3, "0")}.ext`,
      installed: true,
      installedVersion: "1.0.0",
    }));
    const batch = { agentId: agent.id, groupId, userHash: agent.userHash, entries };
    expect(await upsertReportBatch(db, batch)).toBe(500);
    const changed = entries.map((entry, i) => (i % 50 === 0 ? { ...entry, installedVersion: "1.0.1" } : entry));
    // The transaction's own counts of row versions, before and after the batch.
    const writes = await db.transaction(async (tx) => {
      const stats = async () =>
        (
          await tx.execute<{ updated: number; hot: number }>(
            sql`SELECT n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot FROM pg_stat_xact_user_tables WHERE relname = 'reports'`,
          )
        ).rows[0] ?? { updated: 0, hot: 0 };
      const start = await stats();
      expect(await upsertReportBatch(tx, { ...batch, entries: changed })).toBe(10);
      const end = await stats();
      return { updated: end.updated - start.updated, hot: end.hot - start.hot };
    });
    expect(writes).toEqual({ updated: 10, hot: 10 });
  });

  it("is prepared once per connection and reused by every later batch on it, whatever its size", async () => {
    const groupId = await newGroup();
    const agent = await newAgent(groupId);
    const prepared = await db.transaction(async (tx) => {
      for (const size of [1, 3, 200]) {
        const entries = Array.from({ length: size }, (_, i) => ({ extensionId: `prep-${i}.ext`, installed: true }));
        await upsertReportBatch(tx, { agentId: agent.id, groupId, userHash: agent.userHash, entries });
      }
      return (
        await tx.execute<{ name: string }>(
          sql`SELECT name FROM pg_prepared_statements WHERE statement LIKE '%jsonb_to_recordset%' AND statement LIKE '%reports%'`,
        )
      ).rows;
    });
    expect(prepared).toEqual([{ name: "upsert_report_batch" }]);
  });

  it("stores a batch of 500 in one statement, and refuses one naming an extension twice, writing nothing", async () => {
    const groupId = await newGroup();
    const agent = await newAgent(groupId);
    const entries = Array.from({ length: 500 }, (_, i) => ({ extensionId: `pub-${i}.ext`, installed: true }));
    expect(await upsertReportBatch(db, { agentId: agent.id, groupId, userHash: agent.userHash, entries })).toBe(500);
    const twice = [
      { extensionId: "dup.ext", installed: true },
      { extensionId: "dup.ext", installed: false },
    ];
    await expect(
      upsertReportBatch(db, { agentId: agent.id, groupId, userHash: hash("z"), entries: twice }),
    ).rejects.toThrow("report batch names extension dup.ext twice: send each extension once per batch");
    expect(await db.$count(reports, eq(reports.userHash, hash("z")))).toBe(0);
  });
});

describe("staleAgents", () => {
  it("returns the group's agents silent for longer than N minutes, longest silent first", async () => {
    const groupId = await newGroup();
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const old = await newAgent(groupId, { lastHeartbeat: ago(120) });
    const older = await newAgent(groupId, { lastHeartbeat: ago(600) });
    await newAgent(groupId, { lastHeartbeat: ago(1) });
    await newAgent(groupId, { lastHeartbeat: null });
    await newAgent(groupId, { lastHeartbeat: ago(900), deletedAt: new Date() });
    await newAgent(await newGroup(), { lastHeartbeat: ago(900) });

    expect((await staleAgents(db, groupId, 15)).map((agent) => agent.id)).toEqual([older.id, old.id]);
    expect((await staleAgents(db, groupId, 15, 1)).map((agent) => agent.id)).toEqual([older.id]);
    expect(await staleAgents(db, groupId, 601)).toEqual([]);
  });
});

describe("auditTrailPage", () => {
  it("walks a group's trail newest first in pages, ties broken by id, nothing repeated or skipped", async () => {
    const groupId = await newGroup();
    const sameInstant = "2026-01-01T00:00:00.123456Z";
    // Entries of other days: the database dates every insert itself unless triggers are off (as in a restore).
    await db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL session_replication_role = replica`);
      await tx.insert(auditLog).values([
        ...Array.from({ length: 7 }, (_, i) => ({
          eventType: "agent.registered",
          actorType: "system" as const,
          groupId,
          createdAt: sql`${`2026-01-0${i + 2}T00:00:00Z`}::timestamptz`,
        })),
        ...Array.from({ length: 3 }, () => ({
          eventType: "report.submitted",
          actorType: "system" as const,
          groupId,
          createdAt: sql`${sameInstant}::timestamptz`,
        })),
        { eventType: "group.created", actorType: "system" as const, groupId: await newGroup() },
      ]);
    });
    const seen: string[] = [];
    let page = await auditTrailPage(db, groupId, 4);
    const sizes = [page.events.length];
    seen.push(...page.events.map((event) => event.id));
    while (page.next) {
      page = await auditTrailPage(db, groupId, 4, page.next);
      sizes.push(page.events.length);
      seen.push(...page.events.map((event) => event.id));
    }
    expect(sizes).toEqual([4, 4, 2]);
    const { rows } = await db.$client.query(
      "SELECT id FROM audit_log WHERE group_id = $1 ORDER BY created_at DESC, id DESC",
      [groupId],
    );
    expect(seen).toEqual(rows.map((row) => row.id));
  });

  it("has no next page when the last page is exactly full", async () => {
    const groupId = await newGroup();
    await db.insert(auditLog).values([1, 2].map(() => ({ eventType: "x.y", actorType: "system" as const, groupId })));
    expect((await auditTrailPage(db, groupId, 2)).next).toBeNull();
  });
});

describe("recordHeartbeat", () => {
  it("moves last_heartbeat to now, wakes an inactive agent, leaves a disabled one disabled", async () => {
    const groupId = await newGroup();
    const inactive = await newAgent(groupId, { status: "inactive", lastHeartbeat: new Date("2020-01-01") });
    const disabled = await newAgent(groupId, { status: "disabled" });
    const woken = await recordHeartbeat(db, groupId, inactive.id, "1.4.0");
    expect(woken?.status).toBe("active");
    expect(Math.abs((woken?.lastHeartbeat?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    const [stored] = await db.select().from(agents).where(eq(agents.id, inactive.id));
    expect(stored?.agentVersion).toBe("1.4.0");
    expect((await recordHeartbeat(db, groupId, disabled.id))?.status).toBe("disabled");
  });

  it("returns undefined for an agent of another group", async () => {
    const agent = await newAgent(await newGroup());
    expect(await recordHeartbeat(db, await newGroup(), agent.id)).toBeUndefined();
    const [stored] = await db.select().from(agents).where(eq(agents.id, agent.id));
    expect(stored?.lastHeartbeat).toBeNull();
  });
});
