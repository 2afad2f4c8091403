import { index, jsonb, pgTable, text, varchar } from "drizzle-orm/pg-core";
import { id, timestamptz } from "./columns";

export const groups = pgTable(
  "groups",
  {
    id: id(),
    name: varchar({ length: 255 }).notNull().unique("groups_name_key"),
    description: text(),
    settings: jsonb().$type<Record<string, unknown>>().default({}),
    createdAt: timestamptz().defaultNow(),
    updatedAt: timestamptz().defaultNow(),
    deletedAt: timestamptz(),
  },
  (t) => [index("idx_groups_name").on(t.name)],
);
