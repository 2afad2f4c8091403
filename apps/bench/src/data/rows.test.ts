import {
  insertAgentSchema,
  insertAuditLogSchema,
  insertBlocklistSchema,
  insertExtensionSchema,
  insertGroupExtensionSchema,
  insertGroupSchema,
  insertReportSchema,
  serverOwnedColumns,
} from "@devtools-sync/api-types";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { planFor, type ScalePlan, scaleFlag } from "./plan";
import { agent, auditEvent, blocklistEntries, extension, group, groupExtensionsOf, reportsOfAgent } from "./rows";

const now = new Date("2026-06-01T12:00:00Z");

/** The row without the columns the API leaves to the server (ids, creation times), parsed by `schema`. */
function accepted(schema: z.ZodType, row: object): void {
  const written = Object.fromEntries(
    Object.entries(row).filter(([key]) => !(serverOwnedColumns as readonly string[]).includes(key)),
  );
  const result = schema.safeParse(written);
  if (!result.success) throw new Error(`${JSON.stringify(row)} refused: ${result.error.message}`);
}

/** Every row of `plan` (or every `step`-th entity of the large tables), checked by the insert schemas. */
function validate(plan: ScalePlan, step: number): number {
  let rows = 0;
  const check = (schema: z.ZodType, row: object) => {
    accepted(schema, row);
    rows++;
  };
  for (let g = 0; g < plan.groups; g++) {
    check(insertGroupSchema, group(plan, g, now));
    for (const link of groupExtensionsOf(plan, g)) check(insertGroupExtensionSchema, link);
  }
  for (let e = 0; e < plan.extensions; e++) check(insertExtensionSchema, extension(e, now));
  for (const entry of blocklistEntries(plan)) check(insertBlocklistSchema, entry);
  for (let a = 0; a < plan.agents; a += step) {
    check(insertAgentSchema, agent(plan, a, now));
    for (const report of reportsOfAgent(plan, a, now)) check(insertReportSchema, report);
  }
  for (let i = 0; i < plan.auditEvents; i += step) check(insertAuditLogSchema, auditEvent(plan, i, now));
  return rows;
}

describe("scale data", () => {
  it("is accepted, every row of it, by the API's insert schemas at scale 0.001", () => {
    expect(validate(planFor(0.001), 1)).toBeGreaterThan(5_000);
  });

  it("is accepted by the insert schemas in a sample of scale 1 (every 997th agent with its reports and audit event)", () => {
    expect(validate(planFor(1), 997)).toBeGreaterThan(5_000);
  });

  it("has scale 1's sizes: 1,000 groups, 100,000 agents, ~5,000,000 reports, 1,000,000 audit events", () => {
    const plan = planFor(1);
    expect([plan.groups, plan.agents, plan.auditEvents]).toEqual([1_000, 100_000, 1_000_000]);
    const sampled = Array.from({ length: 1000 }, (_, i) => reportsOfAgent(plan, i * 100, now).length);
    const mean = sampled.reduce((sum, n) => sum + n, 0) / sampled.length;
    expect(mean * plan.agents).toBeGreaterThan(4_500_000);
    expect(mean * plan.agents).toBeLessThan(5_500_000);
  });

  it("is skewed like real fleets: the largest group dwarfs the median one, every group has an agent", () => {
    const { agentsPerGroup } = planFor(1);
    const median = agentsPerGroup[agentsPerGroup.length / 2] as number;
    expect(agentsPerGroup[0]).toBeGreaterThan(100 * median);
    expect(Math.min(...agentsPerGroup)).toBeGreaterThanOrEqual(1);
  });

  it("is the same on every run", () => {
    const plan = planFor(0.01);
    expect(reportsOfAgent(plan, 42, now)).toEqual(reportsOfAgent(plan, 42, now));
    expect(auditEvent(plan, 7, now)).toEqual(auditEvent(plan, 7, now));
  });

  it("refuses a --scale that is not a positive number, naming the flag", () => {
    for (const text of ["0", "-1", "abc", "", "Infinity"]) {
      expect(() => scaleFlag(text)).toThrow(/^--scale must be a positive number \(1 = 100,000 agents/);
    }
    expect(scaleFlag("0.5")).toBe(0.5);
    expect(() => planFor(0)).toThrow(/positive number/);
  });
});
