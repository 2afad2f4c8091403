import { sql } from "drizzle-orm";
import { check, foreignKey, index, inet, jsonb, pgPolicy, pgTable, text, uuid, varchar } from "drizzle-orm/pg-core";
import { auditPurgerRole, groupPolicies } from "./access";
import { id, isJsonObject, oneOf, timestamptz } from "./columns";
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
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    clientIp: inet(),
    userAgent: text(),
    /** Set by the database on insert (trigger audit_log_stamp), whatever the writer sends. */
    createdAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ name: "audit_log_group_id_fkey", columns: [t.groupId], foreignColumns: [groups.id] }).onDelete(
      "set null",
    ),
    check("audit_log_actor_type_check", oneOf(t.actorType, auditActorTypes)),
    check("audit_log_details_check", isJsonObject(t.details)),
    index("idx_audit_log_event_type").on(t.eventType),
    index("idx_audit_log_actor").on(t.actorType, t.actorId),
    // Hot path "a group's audit trail, newest first, keyset-paginated on (created_at, id)";
    // it also serves group_id alone, so idx_audit_log_group_id went.
    index("audit_log_group_id_created_at_idx").on(t.groupId, t.createdAt, t.id).concurrently(),
    index("idx_audit_log_created_at").on(t.createdAt),
    // Events without a group (sign-ins, system jobs) are visible to the admin role only.
    ...groupPolicies("audit_log", t.groupId),
    // purge_audit_log runs as this role: it sees (and so deletes) only entries older than the cutoff
    // of a purge recorded in the same transaction, in any group, and writes none.
    pgPolicy("audit_log_purge", {
      for: "all",
      to: auditPurgerRole,
      using: sql`${t.createdAt} < (SELECT max("cutoff") FROM "audit_log_purges" WHERE "transaction_id" = pg_current_xact_id_if_assigned()::text::bigint)`,
      withCheck: sql`false`,
    }),
  ],
).enableRLS();
