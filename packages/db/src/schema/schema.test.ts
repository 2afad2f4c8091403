import { createHash } from "node:crypto";
import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Database } from "../client";
import { migrationsFolder } from "../migrations";
import { agents, apiKeys, auditLog, blocklist, extensions, groupExtensions, groups, reports, users } from ".";

let db: Database;

beforeAll(async () => {
  db = createDb((await createMigratedTestDatabase(migrationsFolder)).url);
});
afterAll(() => db.$client.end());

const sha256 = (seed: string) => createHash("sha256").update(seed).digest("hex");
const BCRYPT = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZRGdjGj/n3.QWHKjNC.5RILXPnZGW";
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

async function newGroup() {
  const [group] = await db
    .insert(groups)
    .values({ name: unique("group") })
    .returning();
  return group as typeof groups.$inferSelect;
}
async function newUser() {
  const [user] = await db
    .insert(users)
    .values({ email: `${unique("user")}@example.com`, passwordHash: BCRYPT })
    .returning();
  return user as typeof users.$inferSelect;
}
async function newAgent(groupId: string) {
  const [agent] = await db
    .insert(agents)
    .values({ groupId, machineId: unique("machine"), userHash: sha256("a"), platform: "linux" })
    .returning();
  return agent as typeof agents.$inferSelect;
}

/** The PostgreSQL error a statement fails with: its SQLSTATE and the constraint it names. */
async function rejection(statement: PromiseLike<unknown>) {
  try {
    await statement;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; constraint?: string; column?: string } }).cause;
    return { code: cause?.code, constraint: cause?.constraint ?? cause?.column };
  }
  throw new Error("expected the database to reject the statement, but it was accepted");
}

describe("good rows", () => {
  it("insert with every default filled in by the database", async () => {
    const user = await newUser();
    expect(user).toMatchObject({ role: "viewer", isActive: true, deletedAt: null });
    expect(user.createdAt).toBeInstanceOf(Date);
    const group = await newGroup();
    expect(group.settings).toEqual({});
    const agent = await newAgent(group.id);
    expect(agent.status).toBe("active");
    const [key] = await db
      .insert(apiKeys)
      .values({ groupId: group.id, keyHash: sha256("k1"), keyPrefix: "dts_k1ab" })
      .returning();
    expect(key?.scopes).toBe("agent");
    const [extension] = await db
      .insert(extensions)
      .values({ extensionId: "ms-python.python", name: "Python", publisher: "Microsoft" })
      .returning();
    expect(extension?.isBlocked).toBe(false);
    const [link] = await db
      .insert(groupExtensions)
      .values({ groupId: group.id, extensionId: extension?.id as string })
      .returning();
    expect(link?.isRequired).toBe(true);
    const [report] = await db
      .insert(reports)
      .values({
        agentId: agent.id,
        groupId: group.id,
        extensionId: "ms-python.python",
        userHash: sha256("a"),
        installed: true,
        clientIp: "10.0.0.7",
      })
      .returning();
    expect(report?.reportedAt).toBeInstanceOf(Date);
    const [entry] = await db.insert(blocklist).values({ patternType: "publisher", pattern: "evil-corp" }).returning();
    expect(entry?.isActive).toBe(true);
    const [event] = await db.insert(auditLog).values({ eventType: "group.created", actorType: "system" }).returning();
    expect(event?.details).toEqual({});
  });

  it("accept every value of every value list", async () => {
    const group = await newGroup();
    await db.insert(agents).values(
      (["linux", "darwin", "win32"] as const).flatMap((platform) =>
        (["active", "inactive", "disabled"] as const).map((status) => ({
          groupId: group.id,
          machineId: unique("m"),
          userHash: sha256("b"),
          platform,
          status,
        })),
      ),
    );
    await db.insert(apiKeys).values(
      ["agent", "read", "admin", "agent,read,admin"].map((scopes, i) => ({
        groupId: group.id,
        keyHash: sha256(`scope${i}`),
        keyPrefix: "dts_abcd",
        scopes,
      })),
    );
    const count = await db.$count(agents, eq(agents.groupId, group.id));
    expect(count).toBe(9);
  });
});

describe("bad rows are rejected by the constraint that guards them", () => {
  it("a second user with the same e-mail, in any case: users_email_lower_key (the exact users_email_key is gone)", async () => {
    const user = await newUser();
    for (const email of [user.email, user.email.toUpperCase()]) {
      expect(await rejection(db.insert(users).values({ email, passwordHash: BCRYPT }))).toEqual({
        code: "23505",
        constraint: "users_email_lower_key",
      });
    }
  });

  it("the same machine twice in one group: agents_group_id_machine_id_key", async () => {
    const agent = await newAgent((await newGroup()).id);
    const duplicate = db
      .insert(agents)
      .values({ groupId: agent.groupId, machineId: agent.machineId, userHash: sha256("c"), platform: "darwin" });
    expect(await rejection(duplicate)).toEqual({ code: "23505", constraint: "agents_group_id_machine_id_key" });
  });

  it("a report for the same user, group and extension twice: reports_user_hash_group_id_extension_id_key", async () => {
    const group = await newGroup();
    const agent = await newAgent(group.id);
    const row = {
      agentId: agent.id,
      groupId: group.id,
      extensionId: "golang.go",
      userHash: sha256("d"),
      installed: true,
    };
    await db.insert(reports).values(row);
    expect(await rejection(db.insert(reports).values(row))).toEqual({
      code: "23505",
      constraint: "reports_user_hash_group_id_extension_id_key",
    });
  });

  it("an agent of a group that does not exist: agents_group_id_fkey", async () => {
    const orphan = db.insert(agents).values({
      groupId: "00000000-0000-4000-8000-000000000000",
      machineId: "m",
      userHash: sha256("e"),
      platform: "linux",
    });
    expect(await rejection(orphan)).toEqual({ code: "23503", constraint: "agents_group_id_fkey" });
  });

  const outsideValueSets: [string, string, string][] = [
    ["UPDATE users SET role = 'superuser'", "users_role_check", "role"],
    ["UPDATE agents SET platform = 'freebsd'", "agents_platform_check", "platform"],
    ["UPDATE agents SET status = 'zombie'", "agents_status_check", "status"],
    ["UPDATE api_keys SET scopes = 'agent,root'", "api_keys_scopes_check", "scopes"],
    ["UPDATE api_keys SET scopes = ''", "api_keys_scopes_check", "scopes (empty)"],
    ["UPDATE blocklist SET pattern_type = 'glob'", "blocklist_pattern_type_check", "pattern_type"],
    // audit_log takes no UPDATE at all (append-only), so its value set is tried on INSERT.
    [
      "INSERT INTO audit_log (event_type, actor_type) VALUES ('x', 'robot')",
      "audit_log_actor_type_check",
      "actor_type",
    ],
  ];
  it.each(outsideValueSets)("%s: %s", async (statement, constraint) => {
    expect(await rejection(db.execute(sql.raw(statement)))).toEqual({ code: "23514", constraint });
  });

  it.each([
    ["users", "created_at"],
    ["agents", "status"],
    ["groups", "settings"],
    ["reports", "reported_at"],
  ])("a NULL %s.%s: NOT NULL", async (table, column) => {
    expect(await rejection(db.execute(sql.raw(`UPDATE "${table}" SET "${column}" = NULL`)))).toEqual({
      code: "23502",
      constraint: column,
    });
  });
});

describe("deleting", () => {
  it("a group deletes its agents, keys, extension links and reports, and keeps its audit trail unlinked", async () => {
    const group = await newGroup();
    const agent = await newAgent(group.id);
    const [extension] = await db
      .insert(extensions)
      .values({ extensionId: unique("pub.ext"), name: "E", publisher: "P" })
      .returning();
    await db.insert(groupExtensions).values({ groupId: group.id, extensionId: extension?.id as string });
    await db.insert(apiKeys).values({ groupId: group.id, keyHash: sha256(unique("k")), keyPrefix: "dts_zzzz" });
    await db
      .insert(reports)
      .values({ agentId: agent.id, groupId: group.id, extensionId: "x.y", userHash: sha256("f"), installed: false });
    const [event] = await db
      .insert(auditLog)
      .values({ eventType: "agent.registered", actorType: "agent", groupId: group.id })
      .returning();

    await db.delete(groups).where(eq(groups.id, group.id));

    expect(await db.$count(agents, eq(agents.groupId, group.id))).toBe(0);
    expect(await db.$count(apiKeys, eq(apiKeys.groupId, group.id))).toBe(0);
    expect(await db.$count(groupExtensions, eq(groupExtensions.groupId, group.id))).toBe(0);
    expect(await db.$count(reports, eq(reports.groupId, group.id))).toBe(0);
    expect(await db.$count(extensions, eq(extensions.id, extension?.id as string))).toBe(1);
    const [kept] = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.id, event?.id as string));
    expect(kept?.groupId).toBeNull();
  });

  it("a user keeps the keys, extension links and blocklist entries they created, without the link", async () => {
    const user = await newUser();
    const group = await newGroup();
    const [key] = await db
      .insert(apiKeys)
      .values({ groupId: group.id, createdBy: user.id, keyHash: sha256(unique("u")), keyPrefix: "dts_uuuu" })
      .returning();
    const [entry] = await db
      .insert(blocklist)
      .values({ patternType: "exact", pattern: "bad.ext", createdBy: user.id })
      .returning();
    await db.delete(users).where(eq(users.id, user.id));
    const [keptKey] = await db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.id, key?.id as string));
    const [keptEntry] = await db
      .select()
      .from(blocklist)
      .where(eq(blocklist.id, entry?.id as string));
    expect(keptKey?.createdBy).toBeNull();
    expect(keptEntry?.createdBy).toBeNull();
  });

  it("an agent deletes its reports", async () => {
    const group = await newGroup();
    const agent = await newAgent(group.id);
    await db
      .insert(reports)
      .values({ agentId: agent.id, groupId: group.id, extensionId: "a.b", userHash: sha256("g"), installed: true });
    await db.delete(agents).where(eq(agents.id, agent.id));
    expect(await db.$count(reports, eq(reports.agentId, agent.id))).toBe(0);
  });
});

describe("updated_at", () => {
  it.each(["users", "groups", "extensions", "agents", "blocklist"])(
    "moves on every UPDATE of %s, by any writer",
    async (table) => {
      const group = await newGroup();
      await newAgent(group.id);
      await newUser();
      await db.insert(extensions).values({ extensionId: unique("p.e"), name: "N", publisher: "P" });
      await db.insert(blocklist).values({ patternType: "exact", pattern: unique("p") });
      await db.execute(sql.raw(`UPDATE "${table}" SET updated_at = '2000-01-01T00:00:00Z'`));
      const { rows } = await db.$client.query(`SELECT min(updated_at) AS oldest FROM "${table}"`);
      expect(new Date(rows[0].oldest).getUTCFullYear()).toBeGreaterThan(2000);
    },
  );
});
