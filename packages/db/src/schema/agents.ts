import { check, foreignKey, index, pgTable, unique, uuid, varchar } from "drizzle-orm/pg-core";
import { compliancePolicy, groupPolicies } from "./access";
import { id, notBlank, oneOf, timestamptz } from "./columns";
import { groups } from "./groups";

/** Operating systems an agent runs on, as Node's `process.platform` names them. */
export const agentPlatforms = ["linux", "darwin", "win32"] as const;
export type AgentPlatform = (typeof agentPlatforms)[number];

/** Lifecycle of an agent: reporting, silent, or shut out by an admin. */
export const agentStatuses = ["active", "inactive", "disabled"] as const;
export type AgentStatus = (typeof agentStatuses)[number];

export const agents = pgTable(
  "agents",
  {
    id: id(),
    groupId: uuid().notNull(),
    machineId: varchar({ length: 64 }).notNull(),
    userHash: varchar({ length: 64 }).notNull(),
    displayName: varchar({ length: 255 }),
    platform: varchar({ length: 20, enum: agentPlatforms }).notNull(),
    agentVersion: varchar({ length: 50 }),
    lastHeartbeat: timestamptz(),
    /** When the agent last reported its extension list (written once per batch). */
    lastSync: timestamptz(),
    status: varchar({ length: 20, enum: agentStatuses }).notNull().default("active"),
    createdAt: timestamptz().notNull().defaultNow(),
    updatedAt: timestamptz().notNull().defaultNow(),
    deletedAt: timestamptz(),
  },
  (t) => [
    unique("agents_group_id_machine_id_key").on(t.groupId, t.machineId),
    foreignKey({ name: "agents_group_id_fkey", columns: [t.groupId], foreignColumns: [groups.id] }).onDelete("cascade"),
    check("agents_platform_check", oneOf(t.platform, agentPlatforms)),
    check("agents_status_check", oneOf(t.status, agentStatuses)),
    check("agents_display_name_check", notBlank(t.displayName)),
    // idx_agents_group_id was dropped: it is the leading column of agents_group_id_machine_id_key,
    // which also walks a group's agents in machine-id order for the violation pages.
    // Hot path "a group's agents not seen for N minutes" reads this range directly.
    index("agents_group_id_last_heartbeat_idx").on(t.groupId, t.lastHeartbeat).concurrently(),
    // 0007 dropped idx_agents_last_heartbeat and idx_agents_status: no read path used them, and every
    // heartbeat (a non-HOT update: last_heartbeat is indexed) paid an entry in each.
    // Compliance state: a user's live agents in a group (whose missing required extensions a
    // report of that user changes).
    index("agents_group_id_user_hash_idx").on(t.groupId, t.userHash).concurrently(),
    ...groupPolicies("agents", t.groupId),
    compliancePolicy("agents", "select"),
  ],
).enableRLS();
