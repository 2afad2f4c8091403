import { describe, expect, it } from "vitest";
import { auditEventSchema, auditLogQuerySchema, insertAuditLogSchema } from "./audit-log";
import { fixedParents } from "./testing/samples";
import { issuePaths } from "./testing/zod";

const event = {
  eventType: "agent.registered",
  actorType: "agent",
  actorId: fixedParents.agentId,
  groupId: fixedParents.groupId,
};

describe("an audit event", () => {
  it.each(["user", "agent", "api_key"])("by a %s names the actor's id", (actorType) => {
    expect(auditEventSchema.parse({ ...event, actorType }).actorType).toBe(actorType);
    expect(issuePaths(auditEventSchema, { ...event, actorType, actorId: null })).toEqual([["actorId"]]);
  });

  it("by the system names no actor", () => {
    expect(auditEventSchema.parse({ ...event, actorType: "system", actorId: null }).actorId).toBeNull();
    expect(issuePaths(auditEventSchema, { ...event, actorType: "system" })).toEqual([["actorId"]]);
  });

  it.each(["agent.registered", "api_key.created", "blocklist.entry_added"])("has the event type %s", (eventType) => {
    expect(auditEventSchema.parse({ ...event, eventType }).eventType).toBe(eventType);
  });

  it.each(["Agent.Registered", "agent..registered", "agent.", "agent registered", "x".repeat(51)])(
    "refuses the event type %j",
    (eventType) => {
      expect(issuePaths(auditEventSchema, { ...event, eventType })).toEqual([["eventType"]]);
    },
  );

  it("keeps details as a JSON object, and the client's address as a host address", () => {
    const recorded = insertAuditLogSchema.parse({
      ...event,
      details: { before: null, after: { name: "CI" } },
      clientIp: "::ffff:10.0.0.1",
    });
    expect(recorded.clientIp).toBe("::ffff:10.0.0.1");
    expect(issuePaths(insertAuditLogSchema, { ...event, clientIp: "10.0.0.0/8" })).toEqual([["clientIp"]]);
    expect(issuePaths(insertAuditLogSchema, { ...event, details: "changed" })).toEqual([["details"]]);
  });

  it("keeps a User-Agent header of up to 1024 characters on one line", () => {
    expect(issuePaths(insertAuditLogSchema, { ...event, userAgent: "x".repeat(1025) })).toEqual([["userAgent"]]);
    expect(issuePaths(insertAuditLogSchema, { ...event, userAgent: "curl/8.0\r\nX-Injected: 1" })).toEqual([
      ["userAgent"],
    ]);
  });
});

describe("the audit trail query", () => {
  it("filters by group, event type and actor type, one page at a time", () => {
    expect(
      auditLogQuerySchema.parse({
        groupId: fixedParents.groupId,
        eventType: "api_key.created",
        actorType: "user",
        limit: "10",
      }),
    ).toEqual({
      groupId: fixedParents.groupId,
      eventType: "api_key.created",
      actorType: "user",
      limit: 10,
    });
    expect(issuePaths(auditLogQuerySchema, { actorType: "robot" })).toEqual([["actorType"]]);
  });
});
