import { sql } from "drizzle-orm";
import { boolean, foreignKey, index, integer, pgTable, primaryKey, uuid, varchar } from "drizzle-orm/pg-core";
import { compliancePolicy, groupPolicies } from "./access";
import { groups } from "./groups";

// Compliance kept current on every write instead of computed on every read. Triggers on reports,
// agents, group_extensions, extensions, blocklist and groups (migration 0017, SQL that drizzle-kit
// does not model) keep these three tables equal to what `compliance_violations_now` (the rules,
// a view over the base tables) computes; a read is then an index range of one group's state.
// Written only by those triggers and compliance_build_group, which run as devtools_sync_compliance
// (SECURITY DEFINER, add_compliance_maintainer): no service role may write these rows itself.

/** Each violation: a live agent breaking one rule for one extension (what violation pages list). */
export const complianceViolations = pgTable(
  "compliance_violations",
  {
    groupId: uuid().notNull(),
    extensionId: varchar({ length: 255 }).notNull(),
    /** `blocked`, `missing_required` or `wrong_version`: also their order within an extension. */
    problem: varchar({ length: 20 }).notNull(),
    machineId: varchar({ length: 64 }).notNull(),
    /** The agent's user for a missing extension, the report's user otherwise. */
    userHash: varchar({ length: 64 }).notNull(),
    agentId: uuid().notNull(),
    installedVersion: varchar({ length: 50 }),
    pinnedVersion: varchar({ length: 50 }),
  },
  (t) => [
    // The pages' order, so a page at any depth is one index range.
    primaryKey({
      name: "compliance_violations_pkey",
      columns: [t.groupId, t.extensionId, t.problem, t.machineId, t.userHash],
    }),
    foreignKey({
      name: "compliance_violations_group_id_fkey",
      columns: [t.groupId],
      foreignColumns: [groups.id],
    }).onDelete("cascade"),
    // Pages filtered by problem.
    index("compliance_violations_problem_idx").on(t.groupId, t.problem, t.extensionId, t.machineId, t.userHash),
    // The triggers' lookups: one user's violations of an extension, and one agent's.
    index("compliance_violations_user_idx").on(t.groupId, t.userHash, t.extensionId),
    index("compliance_violations_agent_idx").on(t.groupId, t.agentId, t.extensionId),
    ...groupPolicies("compliance_violations", t.groupId),
    compliancePolicy("compliance_violations", "all"),
  ],
).enableRLS();

/**
 * Per group and extension the group reports or requires: the verdicts (required, blocked,
 * pinned) and the counts the summary shows.
 */
export const complianceExtensions = pgTable(
  "compliance_extensions",
  {
    groupId: uuid().notNull(),
    extensionId: varchar({ length: 255 }).notNull(),
    /** Report rows of this extension in the group, installed or not. */
    reports: integer().notNull().default(0),
    isRequired: boolean().notNull().default(false),
    isBlocked: boolean().notNull().default(false),
    pinnedVersion: varchar({ length: 50 }),
    missing: integer().notNull().default(0),
    blocked: integer().notNull().default(0),
    wrongVersion: integer().notNull().default(0),
    /** Live agents with at least one violation of this extension. */
    problemAgents: integer().notNull().default(0),
  },
  (t) => [
    primaryKey({ name: "compliance_extensions_pkey", columns: [t.groupId, t.extensionId] }),
    // The summary's rows: the extensions a rule concerns, a few of the hundreds a group reports.
    // Its predicate leaves out the report count, so the counts' updates stay HOT.
    index("compliance_extensions_ruled_idx")
      .on(t.groupId, t.extensionId)
      .where(sql`${t.isRequired} OR ${t.isBlocked} OR ${t.pinnedVersion} IS NOT NULL`),
    foreignKey({
      name: "compliance_extensions_group_id_fkey",
      columns: [t.groupId],
      foreignColumns: [groups.id],
    }).onDelete("cascade"),
    ...groupPolicies("compliance_extensions", t.groupId),
    compliancePolicy("compliance_extensions", "all"),
  ],
).enableRLS();

/** Per group: live agents and live agents with any violation. A group without a row is not built yet. */
export const complianceGroups = pgTable(
  "compliance_groups",
  {
    groupId: uuid().primaryKey(),
    liveAgents: integer().notNull().default(0),
    problemAgents: integer().notNull().default(0),
  },
  (t) => [
    foreignKey({ name: "compliance_groups_group_id_fkey", columns: [t.groupId], foreignColumns: [groups.id] }).onDelete(
      "cascade",
    ),
    ...groupPolicies("compliance_groups", t.groupId),
    compliancePolicy("compliance_groups", "all"),
  ],
).enableRLS();
