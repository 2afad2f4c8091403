import { PASSWORD_HASH_PATTERN, users } from "@devtools-sync/db/schema";
import { createInsertSchema, createSelectSchema, createUpdateSchema } from "drizzle-zod";
import type { z } from "zod";
import { EMAIL, matching, notBlank, singleLine, storableText } from "./common";
import { columnRules, type InsertRow, insertSchemaOf, nonEmptyPatch, type Same, updateSchemaOf, wire } from "./derive";

/**
 * A bcrypt (`$2a$10$…`, `$2b$`, `$2y$`) or argon2id (`$argon2id$v=19$m=…,t=…,p=…$…$…`) hash, as
 * `users_password_hash_check` demands: never a plaintext password, nor an outdated hash scheme.
 */
export const PASSWORD_HASH = new RegExp(PASSWORD_HASH_PATTERN);

const rules = columnRules(users, {
  checks: { email: matching(EMAIL, "must be an e-mail address"), displayName: notBlank },
  domain: {
    passwordHash: matching(PASSWORD_HASH, "must be a bcrypt or argon2id password hash"),
    displayName: singleLine,
  },
});

/** A `users` row as stored. */
export const selectUserSchema = createSelectSchema(users, rules.stored);
/** A new `users` row: e-mail address, password hash, optional display name and role. */
export const insertUserSchema = insertSchemaOf(users, createInsertSchema(users, rules.written));
/** A change to a `users` row. */
export const updateUserSchema = nonEmptyPatch(updateSchemaOf(createUpdateSchema(users, rules.written)));

export type SelectUser = z.infer<typeof selectUserSchema>;
export type InsertUser = z.infer<typeof insertUserSchema>;
export type UpdateUser = z.infer<typeof updateUserSchema>;

/** Shortest password the API accepts. */
export const MIN_PASSWORD_LENGTH = 12;
/** Longest password the API accepts (bcrypt reads 72 bytes; argon2 more, but no one types more). */
export const MAX_PASSWORD_LENGTH = 256;

/** An admin creating a dashboard user; the server hashes `password` into `password_hash`. */
export const createUserRequestSchema = insertUserSchema.pick({ email: true, displayName: true, role: true }).extend({
  password: storableText(MAX_PASSWORD_LENGTH).min(MIN_PASSWORD_LENGTH, {
    message: `must be at least ${MIN_PASSWORD_LENGTH} characters`,
  }),
});
export type CreateUserRequest = z.infer<typeof createUserRequestSchema>;

/** A user as the API returns it: never the password hash. */
export const userResponseSchema = wire(selectUserSchema.omit({ passwordHash: true }));
export type UserResponse = z.infer<typeof userResponseSchema>;

true satisfies Same<z.output<typeof selectUserSchema>, typeof users.$inferSelect>;
true satisfies Same<z.input<typeof insertUserSchema>, InsertRow<typeof users>>;
