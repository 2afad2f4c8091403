import { boolean, foreignKey, index, pgTable, unique, uuid } from "drizzle-orm/pg-core";
import { compliancePolicy, groupPolicies } from "./access";
import { id, timestamptz } from "./columns";
import { extensions } from "./extensions";
import { groups } from "./groups";
import { users } from "./users";

/** Which extensions a group requires (or merely recommends). */
export const groupExtensions = pgTable(
  "group_extensions",
  {
    id: id(),
    groupId: uuid().notNull(),
    extensionId: uuid().notNull(),
    isRequired: boolean().notNull().default(true),
    addedBy: uuid(),
    createdAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [
    unique("group_extensions_group_id_extension_id_key").on(t.groupId, t.extensionId),
    foreignKey({ name: "group_extensions_group_id_fkey", columns: [t.groupId], foreignColumns: [groups.id] }).onDelete(
      "cascade",
    ),
    foreignKey({
      name: "group_extensions_extension_id_fkey",
      columns: [t.extensionId],
      foreignColumns: [extensions.id],
    }).onDelete("cascade"),
    foreignKey({ name: "group_extensions_added_by_fkey", columns: [t.addedBy], foreignColumns: [users.id] }).onDelete(
      "set null",
    ),
    // idx_group_extensions_group_id was dropped: it leads group_extensions_group_id_extension_id_key.
    index("idx_group_extensions_extension_id").on(t.extensionId),
    ...groupPolicies("group_extensions", t.groupId),
    compliancePolicy("group_extensions", "select"),
  ],
).enableRLS();
