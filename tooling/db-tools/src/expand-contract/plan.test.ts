import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { sql } from "drizzle-orm";
import { bigint, check, pgTable } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { addCheck } from "../../test/fixtures/expand-contract/add-check";
import { addForeignKey } from "../../test/fixtures/expand-contract/add-foreign-key";
import type { Fixture } from "../../test/fixtures/expand-contract/fixture";
import { NotPairable, planExpandContract, type Snapshot } from "./plan";

// A rule the previous version's writes may break is generated only with the developer's answer to
// "what does such a row get instead?" (--up); without it, one line saying how to give it.
async function plan(fixture: Fixture, up: Record<string, string>) {
  const before = generateDrizzleJson(fixture.before, undefined, undefined, "snake_case");
  const after = generateDrizzleJson(fixture.after, before.id, undefined, "snake_case");
  return planExpandContract({
    expandTag: "0001_rule_expand",
    statements: await generateMigration(before, after),
    before: before as unknown as Snapshot,
    after: after as unknown as Snapshot,
    up,
  });
}

describe("planExpandContract without the --up a new rule needs", () => {
  it.each([
    [
      "a CHECK",
      addCheck,
      { "agents.hostname": "'x'" },
      `agents gets CHECK ("agents"."slots" > 0), which rows the previous version writes may break: say what such a row gets instead, as an SQL expression over its columns, with pnpm db:generate --up 'agents.slots=<expression>'`,
    ],
    [
      "a foreign key",
      addForeignKey,
      {},
      `agents gets a foreign key to groups, which rows the previous version writes may break: say what such a row gets instead, as an SQL expression over its columns, with pnpm db:generate --up 'agents.group_id=<expression>'`,
    ],
  ])("refuses %s in one line naming the flag", async (_, fixture, up, message) => {
    const error = await plan(fixture, up).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(NotPairable);
    expect((error as Error).message).toBe(message);
  });
});

describe("planExpandContract with several new rules on one table", () => {
  it("guards each with its own trigger in one pair", async () => {
    const columns = { id: bigint({ mode: "number" }).primaryKey(), slots: bigint({ mode: "number" }) };
    const before = pgTable("agents", columns);
    const after = pgTable("agents", columns, (table) => [
      check("agents_slots_positive", sql`${table.slots} > 0`),
      check("agents_slots_small", sql`${table.slots} < 100`),
    ]);
    const pair = await plan(
      { before: { agents: before }, after: { agents: after }, previous: async () => [], next: async () => [] },
      { "agents.slots": "least(greatest(slots, 1), 99)" },
    );
    expect(pair.expand.filter((statement) => statement.startsWith("CREATE TRIGGER"))).toHaveLength(2);
    expect(pair.contract.filter((statement) => statement.includes("VALIDATE CONSTRAINT"))).toHaveLength(2);
    expect(pair.backfill).toEqual(["agents"]);
  });
});
