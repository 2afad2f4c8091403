import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createDb, searchPathOption } from "@devtools-sync/db/client";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { ensureLoginRole } from "@devtools-sync/db/roles";
import { agents, GROUP_SETTING } from "@devtools-sync/db/schema";
import { withClient } from "@devtools-sync/local-postgres/testing";
import { readMigrations } from "@devtools-sync/migrate-core";
import { createMigratedTestDatabase } from "@devtools-sync/migrate-core/testing";
import { eq, sql } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { agentsAfterRename } from "../../test/fixtures/expand-contract/agents-client-version";
import { planExpandContract, type Snapshot } from "./plan";

// The README's walkthrough on the committed schema: agents.agent_version renamed to client_version.
// The new version reads and writes agents through the expand's view, as the application role,
// and row-level security still binds it to its group (the view is security_invoker).

const EXPAND = "9000_rename_agents_agent_version_expand";
const password = randomUUID();
const role = `test_app_${randomUUID().slice(0, 8)}`;
const [A, B] = [randomUUID(), randomUUID()];

const database = await createMigratedTestDatabase(migrationsFolder);
afterAll(() => withClient(database.url, (client) => client.query(`DROP OWNED BY "${role}"; DROP ROLE "${role}"`)));

async function committedSnapshot(): Promise<Snapshot & Record<string, unknown>> {
  const last = (await readMigrations(migrationsFolder)).at(-1)?.index ?? 0;
  return JSON.parse(
    await readFile(join(migrationsFolder, "meta", `${String(last).padStart(4, "0")}_snapshot.json`), "utf8"),
  );
}

/** What the rename makes of the committed snapshot (drizzle-kit's `after` for it). */
function renamed(snapshot: Snapshot): Snapshot {
  const after: Snapshot = structuredClone(snapshot);
  const table = after.tables["public.agents"];
  if (!table) throw new Error("no public.agents in the committed snapshot");
  const { agent_version: column, ...rest } = table.columns;
  if (!column) throw new Error("no agents.agent_version in the committed snapshot");
  table.columns = { ...rest, client_version: { ...column, name: "client_version" } };
  return after;
}

/** A transaction bound to `group`, as withGroup binds one. */
function inGroup<T>(db: NodePgDatabase, group: string, fn: (tx: NodePgDatabase) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config(${GROUP_SETTING}, ${group}, true)`);
    return fn(tx as unknown as NodePgDatabase);
  });
}

describe("a generated rename on the committed schema, as the application role", () => {
  it("lets the previous version (tables) and the new one (version schema) share agents, each bound to its group", async () => {
    const before = await committedSnapshot();
    const plan = planExpandContract({
      expandTag: EXPAND,
      // What drizzle-kit writes once the developer answers its prompt with the rename.
      statements: ['ALTER TABLE "agents" RENAME COLUMN "agent_version" TO "client_version";'],
      before,
      after: renamed(before),
    });
    await withClient(database.url, async (client) => {
      await client.query(`INSERT INTO groups (id, name) VALUES ('${A}', 'A'), ('${B}', 'B')`);
      await ensureLoginRole(client, { name: role, kind: "app", password });
      for (const statement of plan.expand) await client.query(statement);
    });
    const url = new URL(database.url);
    url.username = role;
    url.password = password;
    const previous = createDb(url.toString(), { max: 1 });
    const nextPool = new pg.Pool({ connectionString: url.toString(), max: 1, options: searchPathOption(EXPAND) });
    const next = drizzle(nextPool, { casing: "snake_case" });
    try {
      const agent = { groupId: A, userHash: "u".repeat(64), platform: "linux" as const };
      await inGroup(previous as unknown as NodePgDatabase, A, (tx) =>
        tx.insert(agents).values({ ...agent, machineId: "old", agentVersion: "1.0" }),
      );
      await inGroup(next, A, (tx) =>
        tx.insert(agentsAfterRename).values({ ...agent, machineId: "new", clientVersion: "2.0" }),
      );
      await inGroup(next, A, (tx) =>
        tx.update(agentsAfterRename).set({ clientVersion: "1.1" }).where(eq(agentsAfterRename.machineId, "old")),
      );

      const seenByNext = await inGroup(next, A, (tx) =>
        tx
          .select({ machineId: agentsAfterRename.machineId, clientVersion: agentsAfterRename.clientVersion })
          .from(agentsAfterRename),
      );
      expect(seenByNext.sort((x, y) => x.machineId.localeCompare(y.machineId))).toEqual([
        { machineId: "new", clientVersion: "2.0" },
        { machineId: "old", clientVersion: "1.1" },
      ]);
      const seenByPrevious = await inGroup(previous as unknown as NodePgDatabase, A, (tx) =>
        tx.select({ machineId: agents.machineId, agentVersion: agents.agentVersion }).from(agents),
      );
      expect(seenByPrevious.map((row) => `${row.machineId}:${row.agentVersion}`).sort()).toEqual([
        "new:2.0",
        "old:1.1",
      ]);

      // Through the view, the policies still hold: group B sees none of A's agents, nothing unbound,
      // and a row of another group cannot be written.
      expect(await inGroup(next, B, (tx) => tx.select().from(agentsAfterRename))).toEqual([]);
      expect(await next.select().from(agentsAfterRename)).toEqual([]);
      await expect(
        inGroup(next, B, (tx) => tx.insert(agentsAfterRename).values({ ...agent, machineId: "stolen" })),
      ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/violates row-level security policy/) } });
    } finally {
      await Promise.all([previous.$client.end(), nextPool.end()]);
    }
  }, 120_000);
});
