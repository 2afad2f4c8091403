import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Database } from "../client";
import { migrationsFolder } from "../migrations";
import { agents, auditLog, blocklist, extensions, groupExtensions, groups, reports } from "../schema";
import type { Agent } from "../types";
import { auditTrailPage, groupCompliance, recordHeartbeat, staleAgents, upsertReportBatch } from ".";

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
    ).rejects.toThrow();
    expect(await db.$count(reports, eq(reports.userHash, hash("z")))).toBe(0);
  });
});

describe("groupCompliance", () => {
  it("lists missing required, blocked and wrong-version extensions of live agents only", async () => {
    const groupId = await newGroup();
    const otherGroup = await newGroup();
    const [required, pinned, optional, flagged] = await db
      .insert(extensions)
      .values([
        { extensionId: unique("req.required"), name: "R", publisher: "req" },
        { extensionId: unique("pin.pinned"), name: "P", publisher: "pin", pinnedVersion: "1.2.3" },
        { extensionId: unique("opt.optional"), name: "O", publisher: "opt" },
        { extensionId: unique("bad.flagged"), name: "F", publisher: "bad", isBlocked: true },
      ])
      .returning();
    if (!required || !pinned || !optional || !flagged) throw new Error("extensions not inserted");
    await db.insert(groupExtensions).values([
      { groupId, extensionId: required.id, isRequired: true },
      { groupId, extensionId: optional.id, isRequired: false },
    ]);
    const exact = unique("exact.blocked");
    const publisher = unique("shady");
    await db.insert(blocklist).values([
      { patternType: "exact", pattern: exact },
      { patternType: "publisher", pattern: publisher },
      { patternType: "regex", pattern: "^miner-[0-9]+\\." },
      { patternType: "exact", pattern: required.extensionId, isActive: false },
    ]);

    const good = await newAgent(groupId, { machineId: "a-good", userHash: hash("1") });
    const bad = await newAgent(groupId, { machineId: "b-bad", userHash: hash("2") });
    const disabled = await newAgent(groupId, { machineId: "c-disabled", userHash: hash("3"), status: "disabled" });
    const elsewhere = await newAgent(otherGroup, { machineId: "d-elsewhere", userHash: hash("2") });
    const installed = (extensionId: string, installedVersion?: string) => ({
      extensionId,
      installed: true,
      installedVersion,
    });
    await upsertReportBatch(db, {
      agentId: good.id,
      groupId,
      userHash: good.userHash,
      entries: [installed(required.extensionId), installed(pinned.extensionId, "1.2.3"), installed("ok.fine")],
    });
    await upsertReportBatch(db, {
      agentId: bad.id,
      groupId,
      userHash: bad.userHash,
      entries: [
        { extensionId: required.extensionId, installed: false },
        installed(pinned.extensionId, "1.0.0"),
        installed(flagged.extensionId),
        installed(exact),
        installed(`${publisher}.anything`),
        installed("miner-42.coins"),
        { extensionId: unique("exact.blocked"), installed: true },
      ],
    });
    await upsertReportBatch(db, {
      agentId: elsewhere.id,
      groupId: otherGroup,
      userHash: elsewhere.userHash,
      entries: [installed(required.extensionId)],
    });
    await upsertReportBatch(db, {
      agentId: disabled.id,
      groupId,
      userHash: disabled.userHash,
      entries: [installed(flagged.extensionId)],
    });

    const problems = await groupCompliance(db, groupId);
    const byExtension = (x: unknown[], y: unknown[]) => String(x[1]).localeCompare(String(y[1]));
    expect(
      problems
        .map((p) => [p.machineId, p.extensionId, p.problem, p.installedVersion, p.pinnedVersion])
        .sort(byExtension),
    ).toEqual(
      [
        ["b-bad", flagged.extensionId, "blocked", null, null],
        ["b-bad", exact, "blocked", null, null],
        ["b-bad", "miner-42.coins", "blocked", null, null],
        ["b-bad", pinned.extensionId, "wrong_version", "1.0.0", "1.2.3"],
        ["b-bad", required.extensionId, "missing_required", null, null],
        ["b-bad", `${publisher}.anything`, "blocked", null, null],
      ].sort(byExtension),
    );
    expect(problems.every((p) => p.agentId === bad.id)).toBe(true);
    expect(await groupCompliance(db, otherGroup)).toEqual([]);
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
    await db.insert(auditLog).values([
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
