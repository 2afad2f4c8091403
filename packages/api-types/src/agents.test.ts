import { describe, expect, it } from "vitest";
import {
  agentHeartbeatRequestSchema,
  agentHeartbeatResponseSchema,
  registerAgentRequestSchema,
  registerAgentResponseSchema,
} from "./agents";
import { samples } from "./testing/samples";
import { SHA_A } from "./testing/tables";
import { issuePaths } from "./testing/zod";

const registration = { machineId: "abc123", userHash: SHA_A, platform: "linux" };

describe("an agent registering", () => {
  it.each([
    "abc123def456abc123def456abc123def456abc123def456abc123def456abcd",
    "host-42.example.com",
    "mac:00:1a:2b",
    "A",
  ])("takes the machine id %s", (machineId) => {
    expect(registerAgentRequestSchema.parse({ ...registration, machineId }).machineId).toBe(machineId);
  });

  it.each(["", "has space", "a/b", "ü", "x".repeat(65)])("refuses the machine id %j", (machineId) => {
    expect(issuePaths(registerAgentRequestSchema, { ...registration, machineId })).toEqual([["machineId"]]);
  });

  it.each(["linux", "darwin", "win32"])("runs on %s", (platform) => {
    expect(registerAgentRequestSchema.parse({ ...registration, platform }).platform).toBe(platform);
  });

  it.each(["windows", "Linux", "freebsd"])("refuses the platform %s", (platform) => {
    expect(issuePaths(registerAgentRequestSchema, { ...registration, platform })).toEqual([["platform"]]);
  });

  it("refuses a user hash that is not a lowercase SHA-256", () => {
    for (const userHash of ["user1hash", SHA_A.toUpperCase(), SHA_A.slice(1)]) {
      expect(issuePaths(registerAgentRequestSchema, { ...registration, userHash })).toEqual([["userHash"]]);
    }
  });

  it("cannot choose its group (its API key's) or its status", () => {
    expect(issuePaths(registerAgentRequestSchema, { ...registration, groupId: SHA_A })).toEqual([[]]);
    expect(issuePaths(registerAgentRequestSchema, { ...registration, status: "active" })).toEqual([[]]);
  });

  it("is answered with the agent and a heartbeat interval of 10 s to a day", () => {
    const response = samples.get(registerAgentResponseSchema) as Record<string, unknown>;
    expect(registerAgentResponseSchema.parse(response).agent.createdAt).toBeInstanceOf(Date);
    expect(issuePaths(registerAgentResponseSchema, { ...response, heartbeatIntervalSeconds: 5 })).toEqual([
      ["heartbeatIntervalSeconds"],
    ]);
  });
});

describe("a heartbeat", () => {
  it("may carry nothing, or the agent's new version", () => {
    expect(agentHeartbeatRequestSchema.parse({})).toEqual({});
    expect(agentHeartbeatRequestSchema.parse({ agentVersion: "1.3.0" })).toEqual({ agentVersion: "1.3.0" });
    expect(issuePaths(agentHeartbeatRequestSchema, { agentVersion: "latest" })).toEqual([["agentVersion"]]);
  });

  it("is answered with the agent's status, which may tell it to stop", () => {
    const response = { status: "disabled", heartbeatIntervalSeconds: 60, serverTime: "2026-01-02T03:04:05Z" };
    expect(agentHeartbeatResponseSchema.parse(response).status).toBe("disabled");
    expect(issuePaths(agentHeartbeatResponseSchema, { ...response, status: "paused" })).toEqual([["status"]]);
  });
});
