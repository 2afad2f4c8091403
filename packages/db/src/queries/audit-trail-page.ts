import { and, desc, eq, sql } from "drizzle-orm";
import { auditLog } from "../schema";
import type { AuditEvent } from "../types";
import type { Queryable } from "./queryable";

/**
 * Where a page ends: the last event's `created_at` exactly as PostgreSQL prints it (microseconds,
 * which a JavaScript Date would round away) and its id, which breaks ties between equal times.
 */
export interface AuditCursor {
  createdAt: string;
  id: string;
}

export interface AuditTrailPage {
  events: AuditEvent[];
  /** Pass it back for the next (older) page; `null` on the last page. */
  next: AuditCursor | null;
}

/**
 * One page of `groupId`'s audit trail, newest first. Keyset pagination on (created_at, id): each
 * page starts where the previous one ended, so page 1,000 costs what page 1 does, and events
 * written meanwhile neither repeat nor go missing.
 */
export async function auditTrailPage(
  db: Queryable,
  groupId: string,
  pageSize: number,
  after?: AuditCursor,
): Promise<AuditTrailPage> {
  const rows = await db
    .select({ event: auditLog, cursorTime: sql<string>`${auditLog.createdAt}::text` })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.groupId, groupId),
        after && sql`(${auditLog.createdAt}, ${auditLog.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`,
      ),
    )
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(pageSize + 1);
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    events: page.map((row) => row.event),
    next: rows.length > pageSize && last ? { createdAt: last.cursorTime, id: last.event.id } : null,
  };
}
