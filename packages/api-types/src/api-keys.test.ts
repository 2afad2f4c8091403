import { createHash, randomBytes } from "node:crypto";
import { apiKeys } from "@devtools-sync/db/schema";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  API_KEY_PREFIX_LENGTH,
  createApiKeyRequestSchema,
  createApiKeyResponseSchema,
  insertApiKeySchema,
  selectApiKeySchema,
} from "./api-keys";
import { openTestDatabase } from "./testing/database";
import { samples } from "./testing/samples";
import { caseOfTable, insertParents } from "./testing/tables";
import { issuePaths } from "./testing/zod";

const database = await openTestDatabase();
const parents = await insertParents(database.db);
const apiKeyCase = caseOfTable("api_keys");
const sample = apiKeyCase.sample(parents);

describe("scopes", () => {
  it.each(["agent", "read", "admin", "agent,read", "admin,read,agent"])("takes %j", async (scopes) => {
    const row = insertApiKeySchema.parse({ ...sample, scopes });
    expect((await database.tryInsert(apiKeys, row)).refusal).toBeUndefined();
  });

  it.each(["", "agent,", ",agent", "root", "agent, read", "AGENT", "agent;read"])(
    "refuses %j, as api_keys_scopes_check does",
    async (scopes) => {
      const attempt = await database.tryInsert(apiKeys, { ...sample, scopes });
      expect(attempt.refusal?.code).toBe("23514");
      expect(issuePaths(insertApiKeySchema, { ...sample, scopes })).toEqual([["scopes"]]);
    },
  );

  it("refuses a repeated scope, which PostgreSQL would take, and reads such a row back", async () => {
    const attempt = await database.tryInsert(apiKeys, { ...sample, scopes: "agent,agent" });
    expect(attempt.refusal).toBeUndefined();
    expect(selectApiKeySchema.parse(attempt.stored).scopes).toBe("agent,agent");
    expect(issuePaths(insertApiKeySchema, { ...sample, scopes: "agent,agent" })).toEqual([["scopes"]]);
  });

  it("default to agent", async () => {
    const { scopes: _, ...withoutScopes } = sample;
    const attempt = await database.tryInsert(apiKeys, insertApiKeySchema.parse(withoutScopes));
    expect(attempt.stored?.scopes).toBe("agent");
  });
});

describe("creating an API key", () => {
  it("goes from request to stored row to response, and only the response carries the raw key", async () => {
    const request = createApiKeyRequestSchema.parse(
      JSON.parse(
        `{"groupId": "${parents.groupId}", "name": "CI", "scopes": "agent,read", "expiresAt": "2027-01-01T00:00:00+02:00"}`,
      ),
    );
    expect(request.expiresAt).toEqual(new Date("2026-12-31T22:00:00.000Z"));

    const key = randomBytes(32).toString("base64url");
    const row = insertApiKeySchema.parse({
      ...request,
      keyHash: createHash("sha256").update(key).digest("hex"),
      keyPrefix: key.slice(0, API_KEY_PREFIX_LENGTH),
      createdBy: parents.userId,
    });
    const { stored } = await database.tryInsert(apiKeys, row);

    const json = JSON.stringify(
      z.encode(createApiKeyResponseSchema, { apiKey: selectApiKeySchema.parse(stored), key }),
    );
    expect(json).not.toContain(row.keyHash);
    const received = createApiKeyResponseSchema.parse(JSON.parse(json));
    expect(received.key).toBe(key);
    expect(received.apiKey).not.toHaveProperty("keyHash");
    expect(received.apiKey.expiresAt).toEqual(request.expiresAt);
  });

  it("lets no client choose the hash, the prefix or the creator", () => {
    const request = { groupId: parents.groupId };
    for (const field of ["keyHash", "keyPrefix", "createdBy", "revokedAt"]) {
      expect(issuePaths(createApiKeyRequestSchema, { ...request, [field]: sample[field] ?? null })).toEqual([[]]);
    }
  });

  it("answers with a raw key that starts with the stored prefix", () => {
    const response = samples.get(createApiKeyResponseSchema) as { apiKey: { keyPrefix: string }; key: string };
    expect(response.key.startsWith(response.apiKey.keyPrefix)).toBe(true);
    expect(createApiKeyResponseSchema.safeParse(response).success).toBe(true);
    expect(issuePaths(createApiKeyResponseSchema, { ...response, key: `other___${"x".repeat(40)}` })).toEqual([
      ["key"],
    ]);
    expect(issuePaths(createApiKeyResponseSchema, { ...response, key: response.apiKey.keyPrefix })).toEqual([["key"]]);
  });
});
