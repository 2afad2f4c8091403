import { sql } from "drizzle-orm";
import { boolean, foreignKey, index, inet, pgTable, unique, uuid, varchar } from "drizzle-orm/pg-core";
import { groupPolicies } from "./access";
import { agents } from "./agents";
import { id, timestamptz } from "./columns";
import { groups } from "./groups";

/** The latest state of one extension for one user in one group, as an agent reported it. */
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
    foreignKey({ name: "reports_agent_id_fkey", columns: [t.agentId], foreignColumns: [agents.id] }).onDelete(
      "cascade",
    ),
    foreignKey({ name: "reports_group_id_fkey", columns: [t.groupId], foreignColumns: [groups.id] }).onDelete(
      "cascade",
    ),
    index("idx_reports_agent_id").on(t.agentId),
    // Hot path "a group's reports by time"; it also serves group_id alone, so idx_reports_group_id went.
    index("reports_group_id_reported_at_idx").on(t.groupId, t.reportedAt).concurrently(),
    index("idx_reports_reported_at").on(t.reportedAt),
    index("idx_reports_user_extension").on(t.userHash, t.extensionId),
    // Hot path "a group's compliance": every column it reads from a group's reports, so even a group
    // with a tenth of the fleet is read by an index-only scan of its own range, not a scan of the table.
    index("reports_group_id_extension_id_idx")
      .on(t.groupId, t.extensionId, t.installed, t.installedVersion, t.userHash, t.agentId)
      .concurrently(),
    // A foreign key is checked past row-level security, so without the EXISTS a group could file
    // reports under another group's agent; the subquery sees only the bound group's agents.
    ...groupPolicies("reports", t.groupId, sql`EXISTS (SELECT 1 FROM "agents" WHERE "agents"."id" = ${t.agentId})`),
  ],
).enableRLS();
