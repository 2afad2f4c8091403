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
    isBlocked: boolean().default(false),
    createdAt: timestamptz().defaultNow(),
    updatedAt: timestamptz().defaultNow(),
    deletedAt: timestamptz(),
  },
  (t) => [index("idx_extensions_extension_id").on(t.extensionId), index("idx_extensions_publisher").on(t.publisher)],
);
