import { describe, expect, it } from "vitest";
import { z } from "zod";
import { storedRow } from "./testing/samples";
import { caseOfTable } from "./testing/tables";
import { issuePaths } from "./testing/zod";
import {
  createUserRequestSchema,
  insertUserSchema,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  updateUserSchema,
  userResponseSchema,
} from "./users";

const userCase = caseOfTable("users");
const user = { email: "ada@example.com", passwordHash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZRGdjGj/n3.QWHKjNC.5RILXPnZGW" };

describe("a new user row", () => {
  it.each(["ada@example.com", "o'brien+tag@mail.example.ie", "first.last@sub.example.co.uk"])(
    "takes the e-mail address %s",
    (email) => {
      expect(insertUserSchema.parse({ ...user, email }).email).toBe(email);
    },
  );

  it.each(["ada", "ada@", "@example.com", "ada@example", "ada @example.com", "ada@example.com\n"])(
    "refuses the e-mail address %j",
    (email) => {
      expect(issuePaths(insertUserSchema, { ...user, email })).toEqual([["email"]]);
    },
  );

  it.each([
    "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZRGdjGj/n3.QWHKjNC.5RILXPnZGW",
    "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
  ])("takes the password hash %s", (passwordHash) => {
    expect(insertUserSchema.parse({ ...user, passwordHash }).passwordHash).toBe(passwordHash);
  });

  it.each(["devpassword123", "correct horse battery staple", ""])(
    "refuses %j as a password hash: it is no hash",
    (passwordHash) => {
      expect(issuePaths(insertUserSchema, { ...user, passwordHash })).toEqual([["passwordHash"]]);
    },
  );

  it("is a viewer, active, with no display name unless told otherwise: those keys may be left out", () => {
    expect(insertUserSchema.parse(user)).toEqual(user);
    expect(insertUserSchema.parse({ ...user, displayName: null }).displayName).toBeNull();
  });

  it("lets no one set its id or timestamps", () => {
    for (const field of ["id", "createdAt", "updatedAt", "deletedAt"]) {
      expect(issuePaths(insertUserSchema, { ...user, [field]: null })).toEqual([[]]);
    }
  });
});

describe("a change to a user", () => {
  it("sets at least one field", () => {
    expect(issuePaths(updateUserSchema, {})).toEqual([[]]);
    expect(issuePaths(updateUserSchema, { role: undefined })).toEqual([[]]);
    expect(updateUserSchema.parse({ role: "admin" })).toEqual({ role: "admin" });
  });
});

describe("creating a user", () => {
  const request = { email: "grace@example.com", password: "correct horse battery staple" };

  it(`takes a password of ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters, to be hashed by the server`, () => {
    expect(
      createUserRequestSchema.parse({ ...request, password: "x".repeat(MIN_PASSWORD_LENGTH) }).password,
    ).toHaveLength(MIN_PASSWORD_LENGTH);
    expect(issuePaths(createUserRequestSchema, { ...request, password: "x".repeat(MIN_PASSWORD_LENGTH - 1) })).toEqual([
      ["password"],
    ]);
    expect(issuePaths(createUserRequestSchema, { ...request, password: "x".repeat(MAX_PASSWORD_LENGTH + 1) })).toEqual([
      ["password"],
    ]);
  });

  it("never takes a password hash from the client", () => {
    expect(issuePaths(createUserRequestSchema, { ...request, passwordHash: user.passwordHash })).toEqual([[]]);
  });
});

describe("a user response", () => {
  it("leaves the password hash out of a whole row, and carries timestamps as ISO strings", () => {
    const row = storedRow(userCase);
    const json = z.encode(userResponseSchema, userResponseSchema.parse(z.encode(userResponseSchema, row as never)));
    expect(json).not.toHaveProperty("passwordHash");
    expect(json.createdAt).toBe("2026-01-02T03:04:05.678Z");
    expect(userResponseSchema.parse(json).createdAt).toEqual(row.createdAt);
  });
});
