import { boolean, check, index, pgTable, varchar } from "drizzle-orm/pg-core";
import { PASSWORD_HASH_PATTERN } from "./access";
import { id, matches, oneOf, timestamptz } from "./columns";

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
    role: varchar({ length: 20, enum: userRoles }).notNull().default("viewer"),
    isActive: boolean().notNull().default(true),
    lastLoginAt: timestamptz(),
    createdAt: timestamptz().notNull().defaultNow(),
    updatedAt: timestamptz().notNull().defaultNow(),
    deletedAt: timestamptz(),
  },
  (t) => [
    check("users_role_check", oneOf(t.role, userRoles)),
    check("users_password_hash_check", matches(t.passwordHash, PASSWORD_HASH_PATTERN)),
    // idx_users_email was dropped: users_email_key is already a unique index on email.
    index("idx_users_role").on(t.role),
  ],
);
