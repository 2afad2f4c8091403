import { boolean, index, pgTable, varchar } from "drizzle-orm/pg-core";
import { id, timestamptz } from "./columns";

/** What a dashboard user may do. */
export const userRoles = ["admin", "viewer"] as const;
export type UserRole = (typeof userRoles)[number];

export const users = pgTable(
  "users",
  {
    id: id(),
    email: varchar({ length: 255 }).notNull().unique("users_email_key"),
    passwordHash: varchar({ length: 255 }).notNull(),
    displayName: varchar({ length: 255 }),
    role: varchar({ length: 20, enum: userRoles }).default("viewer"),
    isActive: boolean().default(true),
    lastLoginAt: timestamptz(),
    createdAt: timestamptz().defaultNow(),
    updatedAt: timestamptz().defaultNow(),
    deletedAt: timestamptz(),
  },
  (t) => [index("idx_users_email").on(t.email), index("idx_users_role").on(t.role)],
);
