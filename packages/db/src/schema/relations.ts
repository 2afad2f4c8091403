import { relations } from "drizzle-orm";
import { agents } from "./agents";
import { apiKeys } from "./api-keys";
import { auditLog } from "./audit-log";
import { blocklist } from "./blocklist";
import { extensions } from "./extensions";
import { groupExtensions } from "./group-extensions";
import { groups } from "./groups";
import { reports } from "./reports";
import { users } from "./users";

// How the tables join, for drizzle's relational queries (db.query.groups.findMany({ with: ... })).
// Kept in one file: each side of a relation names the other table, and one module avoids import cycles.

export const usersRelations = relations(users, ({ many }) => ({
  apiKeysCreated: many(apiKeys),
  groupExtensionsAdded: many(groupExtensions),
  blocklistEntries: many(blocklist),
}));

export const groupsRelations = relations(groups, ({ many }) => ({
  agents: many(agents),
  apiKeys: many(apiKeys),
  groupExtensions: many(groupExtensions),
  reports: many(reports),
  auditLog: many(auditLog),
}));

export const extensionsRelations = relations(extensions, ({ many }) => ({
  groupExtensions: many(groupExtensions),
}));

export const agentsRelations = relations(agents, ({ one, many }) => ({
  group: one(groups, { fields: [agents.groupId], references: [groups.id] }),
  reports: many(reports),
}));

export const apiKeysRelations = relations(apiKeys, ({ one }) => ({
  group: one(groups, { fields: [apiKeys.groupId], references: [groups.id] }),
  creator: one(users, { fields: [apiKeys.createdBy], references: [users.id] }),
}));

export const groupExtensionsRelations = relations(groupExtensions, ({ one }) => ({
  group: one(groups, { fields: [groupExtensions.groupId], references: [groups.id] }),
  extension: one(extensions, { fields: [groupExtensions.extensionId], references: [extensions.id] }),
  addedByUser: one(users, { fields: [groupExtensions.addedBy], references: [users.id] }),
}));

export const reportsRelations = relations(reports, ({ one }) => ({
  agent: one(agents, { fields: [reports.agentId], references: [agents.id] }),
  group: one(groups, { fields: [reports.groupId], references: [groups.id] }),
}));

export const blocklistRelations = relations(blocklist, ({ one }) => ({
  creator: one(users, { fields: [blocklist.createdBy], references: [users.id] }),
}));

export const auditLogRelations = relations(auditLog, ({ one }) => ({
  group: one(groups, { fields: [auditLog.groupId], references: [groups.id] }),
}));
