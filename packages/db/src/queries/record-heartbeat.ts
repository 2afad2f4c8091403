import { and, eq, sql } from "drizzle-orm";
import { agents } from "../schema";
import type { Agent } from "../types";
import type { Queryable } from "./queryable";

/** What a heartbeat changes and returns. */
export type HeartbeatResult = Pick<Agent, "id" | "status" | "lastHeartbeat">;

/**
 * Marks an agent of `groupId` as seen now, bringing an `inactive` one back to `active` (a
 * `disabled` agent stays disabled: an admin shut it out). Returns `undefined` when the group has
 * no such live agent.
 */
export async function recordHeartbeat(
  db: Queryable,
  groupId: string,
  agentId: string,
  agentVersion?: string,
): Promise<HeartbeatResult | undefined> {
  const [row] = await db
    .update(agents)
    .set({
      lastHeartbeat: sql`now()`,
      status: sql`CASE WHEN ${agents.status} = 'inactive' THEN 'active' ELSE ${agents.status} END`,
      ...(agentVersion === undefined ? {} : { agentVersion }),
    })
    .where(and(eq(agents.groupId, groupId), eq(agents.id, agentId), sql`${agents.deletedAt} IS NULL`))
    .returning({ id: agents.id, status: agents.status, lastHeartbeat: agents.lastHeartbeat });
  return row;
}
