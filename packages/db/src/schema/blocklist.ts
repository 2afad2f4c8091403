import { boolean, check, foreignKey, index, pgTable, text, uuid, varchar } from "drizzle-orm/pg-core";
import { id, oneOf, timestamptz } from "./columns";
import { users } from "./users";

/** How a blocklist pattern matches an extension id (`publisher.name`). */
export const blocklistPatternTypes = ["exact", "publisher", "regex"] as const;
export type BlocklistPatternType = (typeof blocklistPatternTypes)[number];

export const blocklist = pgTable(
  "blocklist",
  {
    id: id(),
    patternType: varchar({ length: 20, enum: blocklistPatternTypes }).notNull(),
    pattern: varchar({ length: 255 }).notNull(),
    reason: text(),
    createdBy: uuid(),
    isActive: boolean().notNull().default(true),
    createdAt: timestamptz().notNull().defaultNow(),
    updatedAt: timestamptz().notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ name: "blocklist_created_by_fkey", columns: [t.createdBy], foreignColumns: [users.id] }).onDelete(
      "set null",
    ),
    check("blocklist_pattern_type_check", oneOf(t.patternType, blocklistPatternTypes)),
    index("idx_blocklist_pattern_type").on(t.patternType),
    index("idx_blocklist_is_active").on(t.isActive),
  ],
);
