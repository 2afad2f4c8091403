import { type AuditActorType, auditLog } from "@devtools-sync/db/schema";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import type { z } from "zod";
import {
  DOTTED_IDENTIFIER,
  hostAddress,
  matching,
  paginationQuerySchema,
  storableText,
  uuid,
  withoutControlCharacters,
  writableJson,
} from "./common";
import { columnRules, type InsertRow, insertSchemaOf, type Same, wire } from "./derive";

/** Longest User-Agent header the audit log keeps. */
export const MAX_USER_AGENT_LENGTH = 1024;

/** A User-Agent header: at most {@link MAX_USER_AGENT_LENGTH} characters on one line. */
function userAgent(stored: z.ZodString): z.ZodString {
  return withoutControlCharacters(
    stored.max(MAX_USER_AGENT_LENGTH, { message: `must be at most ${MAX_USER_AGENT_LENGTH} characters` }),
  );
}

const rules = columnRules(auditLog, {
  domain: {
    eventType: matching(DOTTED_IDENTIFIER, "must be a dotted lowercase event type, e.g. api_key.created"),
    targetType: matching(/^[a-z][a-z0-9_]*$/, "must be a lowercase entity name, e.g. api_key"),
    details: writableJson,
    clientIp: hostAddress,
    userAgent,
  },
});

/** An `audit_log` row as stored. */
export const selectAuditLogSchema = createSelectSchema(auditLog, rules.stored);
/** A new `audit_log` row. */
export const insertAuditLogSchema = insertSchemaOf(auditLog, createInsertSchema(auditLog, rules.written));
// No update schema: the log is append-only, and the database refuses every UPDATE of it.

export type SelectAuditLog = z.infer<typeof selectAuditLogSchema>;
export type InsertAuditLog = z.infer<typeof insertAuditLogSchema>;

/** `system` acts on its own; every other actor is a row (user, agent, API key) and names its id. */
function actorIdFitsType(event: { actorType: AuditActorType; actorId?: string | null }, ctx: z.RefinementCtx): void {
  const hasId = event.actorId != null;
  if (event.actorType === "system" && hasId) {
    ctx.addIssue({ code: "custom", path: ["actorId"], message: "must be absent for the system actor" });
  }
  if (event.actorType !== "system" && !hasId) {
    ctx.addIssue({ code: "custom", path: ["actorId"], message: `is required for a ${event.actorType} actor` });
  }
}

/** An audit event as a service records it. */
export const auditEventSchema = insertAuditLogSchema.superRefine(actorIdFitsType);
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** An audit event as the API returns it. */
export const auditEventResponseSchema = wire(selectAuditLogSchema);
export type AuditEventResponse = z.infer<typeof auditEventResponseSchema>;

/** Filters of the audit trail, newest first, one page at a time. */
export const auditLogQuerySchema = paginationQuerySchema.extend({
  groupId: uuid.optional(),
  eventType: storableText(50).regex(DOTTED_IDENTIFIER, { message: "must be a dotted lowercase event type" }).optional(),
  actorType: selectAuditLogSchema.shape.actorType.optional(),
});
export type AuditLogQuery = z.infer<typeof auditLogQuerySchema>;

true satisfies Same<z.output<typeof selectAuditLogSchema>, typeof auditLog.$inferSelect>;
true satisfies Same<z.input<typeof insertAuditLogSchema>, InsertRow<typeof auditLog>>;
