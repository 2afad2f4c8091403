import { agents } from "@devtools-sync/db/schema";
import { createInsertSchema, createSelectSchema, createUpdateSchema } from "drizzle-zod";
import { z } from "zod";
import { isoTimestamp, MACHINE_ID, matching, notBlank, SHA256_HEX, singleLine, VERSION } from "./common";
import { columnRules, type InsertRow, insertSchemaOf, nonEmptyPatch, type Same, updateSchemaOf, wire } from "./derive";

const rules = columnRules(agents, {
  checks: { displayName: notBlank },
  domain: {
    machineId: matching(MACHINE_ID, "must be a machine id: 1-64 characters of A-Z a-z 0-9 . _ : -"),
    userHash: matching(SHA256_HEX, "must be the SHA-256 of the user identity: 64 lowercase hex characters"),
    displayName: singleLine,
    agentVersion: matching(VERSION, "must be a version: major.minor.patch"),
  },
});

/** An `agents` row as stored. */
export const selectAgentSchema = createSelectSchema(agents, rules.stored);
/** A new `agents` row. */
export const insertAgentSchema = insertSchemaOf(agents, createInsertSchema(agents, rules.written));
/** A change to an `agents` row. */
export const updateAgentSchema = nonEmptyPatch(updateSchemaOf(createUpdateSchema(agents, rules.written)));

export type SelectAgent = z.infer<typeof selectAgentSchema>;
export type InsertAgent = z.infer<typeof insertAgentSchema>;
export type UpdateAgent = z.infer<typeof updateAgentSchema>;

/** An agent as the API returns it. */
export const agentResponseSchema = wire(selectAgentSchema);
export type AgentResponse = z.infer<typeof agentResponseSchema>;

/** Seconds between heartbeats the server may ask for: from 10 seconds to a day. */
export const heartbeatIntervalSchema = z.int().min(10).max(86_400);

/**
 * An agent registering with its machine and user. The group is the one of the API key the agent
 * authenticates with, so it is not part of the body.
 */
export const registerAgentRequestSchema = insertAgentSchema.pick({
  machineId: true,
  userHash: true,
  platform: true,
  displayName: true,
  agentVersion: true,
});
export type RegisterAgentRequest = z.infer<typeof registerAgentRequestSchema>;

/** The registered agent and how often it should send a heartbeat. */
export const registerAgentResponseSchema = z.object({
  agent: agentResponseSchema,
  heartbeatIntervalSeconds: heartbeatIntervalSchema,
});
export type RegisterAgentResponse = z.infer<typeof registerAgentResponseSchema>;

/** An agent's heartbeat; it reports its version when that changed (e.g. after an update). */
export const agentHeartbeatRequestSchema = insertAgentSchema.pick({ agentVersion: true });
export type AgentHeartbeatRequest = z.infer<typeof agentHeartbeatRequestSchema>;

/** The agent's status as the server sees it (`disabled`: stop reporting) and when to beat next. */
export const agentHeartbeatResponseSchema = z.object({
  status: selectAgentSchema.shape.status,
  heartbeatIntervalSeconds: heartbeatIntervalSchema,
  serverTime: isoTimestamp,
});
export type AgentHeartbeatResponse = z.infer<typeof agentHeartbeatResponseSchema>;

true satisfies Same<z.output<typeof selectAgentSchema>, typeof agents.$inferSelect>;
true satisfies Same<z.input<typeof insertAgentSchema>, InsertRow<typeof agents>>;
