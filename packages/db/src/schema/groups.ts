import { check, jsonb, pgTable, text, varchar } from "drizzle-orm/pg-core";
import { compliancePolicy, groupPolicies } from "./access";
import { id, isJsonObject, notBlank, timestamptz } from "./columns";

export const groups = pgTable(
  "groups",
  {
    id: id(),
    name: varchar({ length: 255 }).notNull().unique("groups_name_key"),
    description: text(),
    settings: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamptz().notNull().defaultNow(),
    updatedAt: timestamptz().notNull().defaultNow(),
    deletedAt: timestamptz(),
  },
  (t) => [
    check("groups_name_check", notBlank(t.name)),
    check("groups_settings_check", isJsonObject(t.settings)),
    // idx_groups_name was dropped: groups_name_key is already a unique index on name.
    // A group is its own tenant: without this, deleting another group would cascade to its data.
    ...groupPolicies("groups", t.id),
    compliancePolicy("groups", "select"),
  ],
).enableRLS();
