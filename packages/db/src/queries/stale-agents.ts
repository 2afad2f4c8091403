import { and, asc, eq, isNull, lt, sql } from "drizzle-orm";
import { agents } from "../schema";
import type { Agent } from "../types";
import type { Queryable } from "./queryable";

/**
 * The agents of `groupId` whose last heartbeat is more than `minutes` old, longest silent first
 * (at most `limit`). Agents that never sent a heartbeat are not "not seen for N minutes": they
 * were never seen, and have no place in this order. Deleted agents are left out.
 */
export function staleAgents(db: Queryable, groupId: string, minutes: number, limit = 1000): Promise<Agent[]> {
  return db
    .select()
    .from(agents)
    .where(
      and(
        eq(agents.groupId, groupId),
        lt(agents.lastHeartbeat, sql`now() - make_interval(mins => ${minutes})`),
        isNull(agents.deletedAt),
      ),
    )
    .orderBy(asc(agents.lastHeartbeat))
    .limit(limit);
}
