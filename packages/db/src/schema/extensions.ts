import { boolean, check, index, pgTable, text, varchar } from "drizzle-orm/pg-core";
import { id, matches, notBlank, timestamptz } from "./columns";
import { EXTENSION_ID_PATTERN } from "./formats";

export const extensions = pgTable(
  "extensions",
  {
    id: id(),
    extensionId: varchar({ length: 255 }).notNull().unique("extensions_extension_id_key"),
    name: varchar({ length: 255 }).notNull(),
    publisher: varchar({ length: 255 }).notNull(),
    pinnedVersion: varchar({ length: 50 }),
    sha256Checksum: varchar({ length: 64 }),
    marketplaceUrl: text(),
    isBlocked: boolean().notNull().default(false),
    createdAt: timestamptz().notNull().defaultNow(),
    updatedAt: timestamptz().notNull().defaultNow(),
    deletedAt: timestamptz(),
  },
  (t) => [
    check("extensions_extension_id_check", matches(t.extensionId, EXTENSION_ID_PATTERN)),
    check("extensions_name_check", notBlank(t.name)),
    check("extensions_publisher_check", notBlank(t.publisher)),
    // idx_extensions_extension_id was dropped: extensions_extension_id_key already indexes it.
    index("idx_extensions_publisher").on(t.publisher),
  ],
);
