import { describe, expect, it } from "vitest";
import { type Migration, parseMigration } from "./journal";
import type { AppliedMigration } from "./ledger";
import { planMigrations } from "./plan";
import { refusal } from "./testing";

const folder: Migration[] = ["0000_users", "0001_teams", "0002_posts"].map((name, index) =>
  parseMigration(index, name, 1_700_000_000_000 + index * 1000, `CREATE TABLE t${index} (id int);`),
);

function applied(migration: Migration, overrides: Partial<AppliedMigration> = {}): AppliedMigration {
  return {
    name: migration.name,
    hash: migration.hash,
    createdAt: migration.createdAt,
    appliedAt: new Date(0),
    durationMs: 1,
    statementsDone: migration.statements.length,
    finished: true,
    downHash: null,
    statementsReverted: 0,
    ...overrides,
  };
}

const [users, teams, posts] = folder as [Migration, Migration, Migration];

describe("planMigrations", () => {
  it("has everything pending on a new database, in journal order", () => {
    expect(planMigrations(folder, [])).toEqual({ applied: [], pending: folder });
  });

  it("splits applied from pending, and keeps a partly applied migration pending so it resumes", () => {
    const plan = planMigrations(folder, [applied(users), applied(teams, { finished: false, statementsDone: 0 })]);
    expect(plan.applied.map((m) => m.name)).toEqual(["0000_users"]);
    expect(plan.pending.map((m) => m.name)).toEqual(["0001_teams", "0002_posts"]);
  });

  it("refuses an applied migration whose file changed, naming it (exit 4)", async () => {
    const error = await refusal(() =>
      planMigrations(folder, [applied(users), applied(teams, { hash: "0".repeat(64) })]),
    );
    expect(error).toMatchObject({ code: "edited-migration", exitCode: 4 });
    expect(error.message).toMatch(/^Migration 0001_teams was changed after it was applied/);
  });

  it("refuses an applied migration that is not in the folder, naming it (exit 4)", async () => {
    const error = await refusal(() => planMigrations([users, posts], [applied(users), applied(teams)]));
    expect(error).toMatchObject({ code: "missing-migration", exitCode: 4 });
    expect(error.message).toMatch(
      /^Migration 0001_teams was applied to this database but is not in the migrations folder/,
    );
  });

  it("refuses a pending migration ordered before an applied one, naming both (exit 4)", async () => {
    const error = await refusal(() => planMigrations(folder, [applied(users), applied(posts)]));
    expect(error).toMatchObject({ code: "out-of-order", exitCode: 4 });
    expect(error.message).toMatch(/^Migration 0001_teams is pending but ordered before 0002_posts, which is applied/);
  });

  it("refuses to go on from a rollback that was cut off halfway, saying to finish it (exit 4)", async () => {
    const cutOff = [applied(users), applied(teams, { statementsReverted: 1 })];
    const error = await refusal(() => planMigrations(folder, cutOff));
    expect(error).toMatchObject({ code: "partly-rolled-back", exitCode: 4 });
    expect(error.message).toMatch(/^Migration 0001_teams was being rolled back .* run migrator down again/);
    expect(planMigrations(folder, cutOff, { rollingBack: true }).applied.map((m) => m.name)).toEqual([
      "0000_users",
      "0001_teams",
    ]);
  });
});
