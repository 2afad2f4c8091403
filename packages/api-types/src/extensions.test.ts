import { describe, expect, it } from "vitest";
import { createExtensionRequestSchema, MAX_URL_LENGTH, updateExtensionRequestSchema } from "./extensions";
import { addGroupExtensionRequestSchema, updateGroupExtensionRequestSchema } from "./group-extensions";
import { issuePaths } from "./testing/zod";

const extension = { extensionId: "ms-python.python", name: "Python", publisher: "Microsoft" };

describe("an extension in the catalogue", () => {
  it("is created with an id, a name and a publisher; version, checksum and URL are optional", () => {
    expect(createExtensionRequestSchema.parse(extension)).toEqual(extension);
  });

  it.each([
    ["https://marketplace.visualstudio.com/items?itemName=ms-python.python", true],
    ["https://open-vsx.org/extension/ms-python/python", true],
    ["http://marketplace.visualstudio.com/items", false],
    ["javascript:alert(1)", false],
    ["https://", false],
    [`https://example.com/${"a".repeat(MAX_URL_LENGTH)}`, false],
  ])("takes the marketplace URL %s: %s", (marketplaceUrl, taken) => {
    expect(createExtensionRequestSchema.safeParse({ ...extension, marketplaceUrl }).success).toBe(taken);
  });

  it.each(["A1B2", "a".repeat(63), "g".repeat(64), "a".repeat(65)])(
    "refuses the checksum %s: 64 lowercase hex",
    (sha256Checksum) => {
      expect(issuePaths(createExtensionRequestSchema, { ...extension, sha256Checksum })).toEqual([["sha256Checksum"]]);
    },
  );

  it("is blocked only through the blocklist, and keeps its id", () => {
    expect(issuePaths(createExtensionRequestSchema, { ...extension, isBlocked: true })).toEqual([[]]);
    expect(issuePaths(updateExtensionRequestSchema, { extensionId: "other.id" })).toEqual([[]]);
    expect(updateExtensionRequestSchema.parse({ pinnedVersion: null })).toEqual({ pinnedVersion: null });
  });
});

describe("a group's extension", () => {
  it("is added by the catalogue row's id, and is required unless said otherwise", () => {
    const extensionId = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
    expect(addGroupExtensionRequestSchema.parse({ extensionId })).toEqual({ extensionId });
    expect(issuePaths(addGroupExtensionRequestSchema, { extensionId: "ms-python.python" })).toEqual([["extensionId"]]);
  });

  it("is changed by saying whether it is required", () => {
    expect(updateGroupExtensionRequestSchema.parse({ isRequired: false })).toEqual({ isRequired: false });
    expect(issuePaths(updateGroupExtensionRequestSchema, {})).toEqual([["isRequired"]]);
  });
});
