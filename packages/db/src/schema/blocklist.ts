import { sql } from "drizzle-orm";
import { boolean, check, foreignKey, index, pgTable, text, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { id, notBlank, oneOf, timestamptz } from "./columns";
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
    // A blank pattern blocks nothing (exact, publisher) or everything (an empty regex matches every id).
    check("blocklist_pattern_check", notBlank(t.pattern)),
    // A regex PostgreSQL cannot compile would fail every compliance computation that applies it (every
    // extension insert, every report of a new extension): refused when stored instead. compiles_as_regex
    // (add_blank_and_regex_rules_not_valid) compiles it and says false rather than raising.
    check("blocklist_regex_compiles_check", sql`${t.patternType} <> 'regex' OR compiles_as_regex(${t.pattern})`),
    // One entry per pattern: a second would be a twin whose is_active could contradict the first.
    // It also serves lookups by pattern_type alone, so add_unique_email_and_blocklist_pattern dropped idx_blocklist_pattern_type.
    uniqueIndex("blocklist_pattern_type_pattern_key").on(t.patternType, t.pattern).concurrently(),
    index("idx_blocklist_is_active").on(t.isActive),
  ],
);
