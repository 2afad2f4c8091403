import { foreignKey, index, inet, jsonb, pgTable, text, uuid, varchar } from "drizzle-orm/pg-core";
import { id, timestamptz } from "./columns";
import { groups } from "./groups";

/** Who caused an audited event. */
export const auditActorTypes = ["user", "agent", "api_key", "system"] as const;
export type AuditActorType = (typeof auditActorTypes)[number];

export const auditLog = pgTable(
  "audit_log",
  {
    id: id(),
    eventType: varchar({ length: 50 }).notNull(),
    actorType: varchar({ length: 20, enum: auditActorTypes }).notNull(),
    actorId: uuid(),
    groupId: uuid(),
    targetType: varchar({ length: 50 }),
    targetId: uuid(),
    details: jsonb().$type<Record<string, unknown>>().default({}),
    clientIp: inet(),
    userAgent: text(),
    createdAt: timestamptz().defaultNow(),
  },
  (t) => [
    foreignKey({ name: "audit_log_group_id_fkey", columns: [t.groupId], foreignColumns: [groups.id] }).onDelete(
      "set null",
    ),
    index("idx_audit_log_event_type").on(t.eventType),
    index("idx_audit_log_actor").on(t.actorType, t.actorId),
    index("idx_audit_log_group_id").on(t.groupId),
    index("idx_audit_log_created_at").on(t.createdAt),
  ],
);
