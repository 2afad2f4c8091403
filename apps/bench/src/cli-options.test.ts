import { describe, expect, it } from "vitest";
import { UsageError } from "./cli-main";
import { benchArgs } from "./cli-options";

describe("the bench commands' shared flags", () => {
  it("reads --scale, --database-url and --out next to a command's own flags", () => {
    const parsed = benchArgs(
      { "lock-timeout": { type: "string" } },
      { args: ["--scale", "0.5", "--database-url", "postgres://x/y", "--out", "/tmp/r", "--lock-timeout", "500"] },
    );
    expect(parsed).toMatchObject({ scale: 0.5, databaseUrl: "postgres://x/y", out: "/tmp/r" });
    expect(parsed.values["lock-timeout"]).toBe("500");
  });

  it("defaults to scale 0.01 and bench/results", () => {
    const parsed = benchArgs({}, { args: [] });
    expect(parsed.scale).toBe(0.01);
    expect(parsed.out).toMatch(/bench\/results$/);
  });

  it("refuses an unknown flag and a scale that is not a positive number", () => {
    expect(() => benchArgs({}, { args: ["--scael", "1"] })).toThrow(/Unknown option '--scael'/);
    expect(() => benchArgs({}, { args: ["--scale", "0"] })).toThrow(UsageError);
  });
});
