import { boolean, index, pgTable, text, varchar } from "drizzle-orm/pg-core";
import { id, timestamptz } from "./columns";

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
    // idx_extensions_extension_id was dropped: extensions_extension_id_key already indexes it.
    index("idx_extensions_publisher").on(t.publisher),
  ],
);
