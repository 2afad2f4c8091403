import type {
  agents,
  apiKeys,
  auditLog,
  blocklist,
  extensions,
  groupExtensions,
  groups,
  reports,
  users,
} from "./schema";

// Row types: `X` is what a SELECT returns, `NewX` what an INSERT takes (defaults optional).

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Group = typeof groups.$inferSelect;
export type NewGroup = typeof groups.$inferInsert;
export type Extension = typeof extensions.$inferSelect;
export type NewExtension = typeof extensions.$inferInsert;
export type Agent = typeof agents.$inferSelect;
export type NewAgent = typeof agents.$inferInsert;
export type ApiKey = typeof apiKeys.$inferSelect;
export type NewApiKey = typeof apiKeys.$inferInsert;
export type GroupExtension = typeof groupExtensions.$inferSelect;
export type NewGroupExtension = typeof groupExtensions.$inferInsert;
export type Report = typeof reports.$inferSelect;
export type NewReport = typeof reports.$inferInsert;
export type BlocklistEntry = typeof blocklist.$inferSelect;
export type NewBlocklistEntry = typeof blocklist.$inferInsert;
export type AuditEvent = typeof auditLog.$inferSelect;
export type NewAuditEvent = typeof auditLog.$inferInsert;
