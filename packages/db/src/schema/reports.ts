import { sql } from "drizzle-orm";
import { boolean, check, foreignKey, index, inet, pgTable, unique, uuid, varchar } from "drizzle-orm/pg-core";
import { compliancePolicy, groupPolicies } from "./access";
import { agents } from "./agents";
import { id, matches, timestamptz } from "./columns";
import { EXTENSION_ID_PATTERN } from "./formats";
import { groups } from "./groups";

/**
 * The latest state of one extension for one user in one group, as an agent reported it.
 * `reported_at` is when that state last changed (re-reporting it unchanged writes nothing); when an
 * agent last reported its list is `agents.last_sync`.
 */
export const reports = pgTable(
  "reports",
  {
    id: id(),
    agentId: uuid().notNull(),
    groupId: uuid().notNull(),
    extensionId: varchar({ length: 255 }).notNull(),
    userHash: varchar({ length: 64 }).notNull(),
    installed: boolean().notNull(),
    installedVersion: varchar({ length: 50 }),
    extensionSha256: varchar({ length: 64 }),
    clientIp: inet(),
    reportedAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [
    unique("reports_user_hash_group_id_extension_id_key").on(t.userHash, t.groupId, t.extensionId),
    check("reports_extension_id_check", matches(t.extensionId, EXTENSION_ID_PATTERN)),
    foreignKey({ name: "reports_agent_id_fkey", columns: [t.agentId], foreignColumns: [agents.id] }).onDelete(
      "cascade",
    ),
    foreignKey({ name: "reports_group_id_fkey", columns: [t.groupId], foreignColumns: [groups.id] }).onDelete(
      "cascade",
    ),
    // Deleting an agent deletes its reports (the foreign key's cascade) through this index.
    index("idx_reports_agent_id").on(t.agentId),
    // A group's reports of one extension: what the compliance state's builds read (a group's, in
    // 0018; an extension's in every group, when a rule changes) and the group_id foreign key's
    // cascade. Only the two key columns (0019): the reads that needed the others now read the
    // compliance state, and a report whose version or installed flag changes no indexed column
    // here, so PostgreSQL can update it in place (HOT) without touching this index.
    // No read path used the indexes on (group_id, reported_at), (reported_at) or (user_hash,
    // extension_id) (the unique key serves a user's lookups); each cost every insert and changed
    // row an index entry, so 0007 dropped them.
    index("reports_group_id_extension_id_narrow_idx").on(t.groupId, t.extensionId).concurrently(),
    // A foreign key is checked past row-level security, so without the EXISTS a group could file
    // reports under another group's agent; the subquery sees only the bound group's agents.
    ...groupPolicies("reports", t.groupId, sql`EXISTS (SELECT 1 FROM "agents" WHERE "agents"."id" = ${t.agentId})`),
    compliancePolicy("reports", "select"),
  ],
).enableRLS();
