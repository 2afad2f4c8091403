import { describe, expect, it } from "vitest";
import {
  createBlocklistEntryRequestSchema,
  insertBlocklistSchema,
  updateBlocklistEntryRequestSchema,
} from "./blocklist";
import { issuePaths } from "./testing/zod";

describe("a blocklist entry", () => {
  it.each([
    ["exact", "malicious.bad-extension"],
    ["publisher", "malicious"],
    ["regex", "^malicious\\..*$"],
    ["regex", "\\w+\\.evil$"],
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

  it.each([
    ["(", "does not compile"],
    ["\\p{L}+\\.evil", "\\p{…}: JavaScript only"],
    ["(?<publisher>\\w+)\\.evil", "a named group: JavaScript only"],
    ["a{256}", "a count PostgreSQL does not allow"],
    ["\\bevil", "\\b: a word boundary in JavaScript, a backspace in PostgreSQL, so it would not match what it says"],
  ])("refuses the regex %j (%s), as a request and as a row", (pattern) => {
    expect(issuePaths(createBlocklistEntryRequestSchema, { patternType: "regex", pattern })).toEqual([["pattern"]]);
    const row = { patternType: "regex", pattern, createdBy: "a3c89cad-4893-42fd-8618-4b994a20f086" };
    expect(issuePaths(insertBlocklistSchema, row)).toEqual([["pattern"]]);
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
