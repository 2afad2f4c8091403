import { describe, expect, it } from "vitest";
import { redact } from "./redact";

describe("redact", () => {
  it("masks the password of postgres:// and postgresql:// URLs, keeping user, host and database", () => {
    expect(redact("postgres://app:s3cr%40t@db.internal:5432/prod")).toBe("postgres://app:***@db.internal:5432/prod");
    expect(redact("connecting to postgresql://admin:hunter2@10.0.0.5/app?sslmode=require")).toBe(
      "connecting to postgresql://admin:***@10.0.0.5/app?sslmode=require",
    );
    expect(redact("POSTGRES://Admin:Pa55:word@host/db")).toBe("POSTGRES://Admin:***@host/db");
  });

  it("masks every URL in a text, including inside JSON", () => {
    const line = JSON.stringify({ from: "postgres://a:one@h1/db", to: "postgresql://b:two@h2/db" });
    expect(redact(line)).toBe(JSON.stringify({ from: "postgres://a:***@h1/db", to: "postgresql://b:***@h2/db" }));
  });

  it("masks a password given as a query parameter", () => {
    expect(redact("postgres://app@db/prod?sslmode=require&password=hunter2")).toBe(
      "postgres://app@db/prod?sslmode=require&password=***",
    );
  });

  it("leaves text without credentials alone", () => {
    for (const text of ["postgres://app@db:5432/prod", "postgres://db:5432/prod", "Migration 0001_x failed: 1 of 2"]) {
      expect(redact(text)).toBe(text);
    }
  });
});
