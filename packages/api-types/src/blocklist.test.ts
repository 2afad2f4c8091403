import { describe, expect, it } from "vitest";
import { createBlocklistEntryRequestSchema, updateBlocklistEntryRequestSchema } from "./blocklist";
import { issuePaths } from "./testing/zod";

describe("a blocklist entry", () => {
  it.each([
    ["exact", "malicious.bad-extension"],
    ["publisher", "malicious"],
    ["regex", "^malicious\\..*$"],
    ["regex", "\\p{L}+\\.evil"],
  ])("blocks by %s with %j", (patternType, pattern) => {
    expect(createBlocklistEntryRequestSchema.parse({ patternType, pattern })).toEqual({ patternType, pattern });
  });

  it.each([
    ["exact", "malicious"],
    ["exact", "malicious.*"],
    ["publisher", "malicious.bad-extension"],
    ["publisher", "mal icious"],
    ["regex", "(unclosed"],
    ["regex", "\\p{NotAProperty}"],
  ])("refuses %s with %j, naming the pattern", (patternType, pattern) => {
    expect(issuePaths(createBlocklistEntryRequestSchema, { patternType, pattern })).toEqual([["pattern"]]);
  });

  it("refuses a pattern type outside the schema's list", () => {
    expect(issuePaths(createBlocklistEntryRequestSchema, { patternType: "glob", pattern: "mal*" })).toEqual([
      ["patternType"],
    ]);
  });
});

describe("a change to a blocklist entry", () => {
  it("changes its reason or activity alone, or its type and pattern together", () => {
    expect(updateBlocklistEntryRequestSchema.parse({ isActive: false })).toEqual({ isActive: false });
    expect(updateBlocklistEntryRequestSchema.parse({ patternType: "publisher", pattern: "evil" })).toEqual({
      patternType: "publisher",
      pattern: "evil",
    });
    expect(issuePaths(updateBlocklistEntryRequestSchema, { pattern: "evil" })).toEqual([["patternType"]]);
    expect(issuePaths(updateBlocklistEntryRequestSchema, { patternType: "exact" })).toEqual([["pattern"]]);
    expect(issuePaths(updateBlocklistEntryRequestSchema, { patternType: "exact", pattern: "evil" })).toEqual([
      ["pattern"],
    ]);
  });

  it("changes something", () => {
    expect(issuePaths(updateBlocklistEntryRequestSchema, {})).toEqual([[]]);
  });
});
