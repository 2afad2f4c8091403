import { sql } from "drizzle-orm";
import { boolean, check, index, pgTable, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { PASSWORD_HASH_PATTERN } from "./access";
import { id, matches, notBlank, oneOf, timestamptz } from "./columns";
import { EMAIL_PATTERN } from "./formats";

/** What a dashboard user may do. */
export const userRoles = ["admin", "viewer"] as const;
export type UserRole = (typeof userRoles)[number];

export const users = pgTable(
  "users",
  {
    id: id(),
    email: varchar({ length: 255 }).notNull(),
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
    check("users_email_check", matches(t.email, EMAIL_PATTERN)),
    check("users_display_name_check", notBlank(t.displayName)),
    // One account per address whatever its case: Ada@Example.com cannot sign up beside ada@example.com.
    // Look a user up by lower(email) = lower($1) (sign-in), and insert with ON CONFLICT ((lower(email))):
    // the exact users_email_key it made redundant is gone (drop_exact_users_email_key).
    uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`).concurrently(),
    index("idx_users_role").on(t.role),
  ],
);
