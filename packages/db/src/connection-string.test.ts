import { fileURLToPath } from "node:url";
import { createTestDatabase } from "@devtools-sync/local-postgres/testing";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "./client";
import { honourSslMode } from "./connection-string";

const database = await createTestDatabase();

describe("honourSslMode", () => {
  it("gives require, verify-ca and verify-full their libpq meaning, keeping everything else", () => {
    const ca = fileURLToPath(import.meta.url); // any readable file
    for (const mode of ["require", "verify-ca", "verify-full", "disable"]) {
      const url = new URL(
        honourSslMode(`postgres://app:p%40ss@db.example:5432/sync?sslmode=${mode}&sslrootcert=${ca}`),
      );
      expect(url.searchParams.get("uselibpqcompat")).toBe("true");
      expect(url.searchParams.get("sslmode")).toBe(mode);
      expect(url.searchParams.get("sslrootcert")).toBe(ca);
      expect([url.username, url.password, url.host, url.pathname]).toEqual([
        "app",
        "p%40ss",
        "db.example:5432",
        "/sync",
      ]);
    }
  });

  it("leaves a URL without sslmode, or one that already chose, as it is", () => {
    expect(honourSslMode("postgres://app:pw@db/sync")).toBe("postgres://app:pw@db/sync");
    expect(honourSslMode("postgres://db/sync?sslmode=require&uselibpqcompat=false")).toBe(
      "postgres://db/sync?sslmode=require&uselibpqcompat=false",
    );
  });

  it.each(["prefer", "allow", "requir"])(
    "refuses sslmode=%s, naming the modes that work and never the password",
    (mode) => {
      expect(() => honourSslMode(`postgres://app:s3cret@db/sync?sslmode=${mode}`)).toThrow(
        new RegExp(`^sslmode=${mode} is not supported.*: use disable, require .*, verify-ca or verify-full$`),
      );
      try {
        honourSslMode(`postgres://app:s3cret@db/sync?sslmode=${mode}`);
      } catch (error) {
        expect((error as Error).message).not.toContain("s3cret");
      }
    },
  );

  it.each([
    ["sslmode=verify-ca", /^sslmode=verify-ca needs sslrootcert=<CA certificate file> \(or use verify-full\)$/],
    ["sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", /^sslrootcert file \/nonexistent\/ca\.pem cannot be read$/],
    ["sslmode=require&sslkey=/nonexistent/key.pem", /^sslkey file \/nonexistent\/key\.pem cannot be read$/],
  ])("refuses %s in one line", (query, message) => {
    expect(() => honourSslMode(`postgres://app:s3cret@db/sync?${query}`)).toThrow(message);
  });
});

describe("createDb and sslmode", () => {
  it("sslmode=require against a server without TLS fails: it never falls back to plaintext", async () => {
    const db = createDb(`${database.url}?sslmode=require`);
    try {
      await expect(db.$client.query("SELECT 1")).rejects.toThrow(/does not support SSL/);
    } finally {
      await db.$client.end();
    }
  });

  it("sslmode=disable connects in plaintext", async () => {
    const db = createDb(`${database.url}?sslmode=disable`);
    try {
      const result = await db.execute(sql`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`);
      expect(result.rows).toEqual([{ ssl: false }]);
    } finally {
      await db.$client.end();
    }
  });
});
