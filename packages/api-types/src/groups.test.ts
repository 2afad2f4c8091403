import { describe, expect, it } from "vitest";
import { createGroupRequestSchema, insertGroupSchema, updateGroupRequestSchema } from "./groups";
import { issuePaths } from "./testing/zod";

describe("a group", () => {
  it.each(["Engineering", "Design & UX", "Équipe données", "🚀 Launch"])("takes the name %j", (name) => {
    expect(createGroupRequestSchema.parse({ name }).name).toBe(name);
  });

  it.each(["", "   ", " Engineering", "Engineering\n", "Eng\tineering", "Eng\u0000"])("refuses the name %j", (name) => {
    expect(issuePaths(createGroupRequestSchema, { name })).toEqual([["name"]]);
  });

  it("has settings that are a JSON object, without prototype keys", () => {
    expect(createGroupRequestSchema.parse({ name: "A", settings: { sync: { minutes: 15 } } }).settings).toEqual({
      sync: { minutes: 15 },
    });
    expect(issuePaths(createGroupRequestSchema, { name: "A", settings: [] })).toEqual([["settings"]]);
    expect(
      issuePaths(createGroupRequestSchema, JSON.parse('{"name": "A", "settings": {"__proto__": {"admin": true}}}')),
    ).toEqual([["settings", "__proto__"]]);
  });

  it("takes a description of many lines, up to 10 000 characters", () => {
    expect(insertGroupSchema.parse({ name: "A", description: "line 1\nline 2" }).description).toBe("line 1\nline 2");
    expect(issuePaths(insertGroupSchema, { name: "A", description: "x".repeat(10_001) })).toEqual([["description"]]);
  });
});

describe("a change to a group", () => {
  it("sets at least one field, and may clear the description but not the name or settings", () => {
    expect(updateGroupRequestSchema.parse({ description: null })).toEqual({ description: null });
    expect(issuePaths(updateGroupRequestSchema, {})).toEqual([[]]);
    expect(issuePaths(updateGroupRequestSchema, { name: null })).toEqual([["name"]]);
    expect(issuePaths(updateGroupRequestSchema, { settings: null })).toEqual([["settings"]]);
  });
});
