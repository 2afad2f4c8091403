import { jsonb, pgTable, text, varchar } from "drizzle-orm/pg-core";
import { id, timestamptz } from "./columns";

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
  // idx_groups_name was dropped: groups_name_key is already a unique index on name.
);
