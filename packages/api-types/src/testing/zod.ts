import { expect } from "vitest";
import { ZodError, type z } from "zod";

/** Parses `input` with `.parse` and returns the ZodError; fails on acceptance or any other exception. */
export function zodErrorOf(schema: z.ZodType, input: unknown): ZodError {
  try {
    schema.parse(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ZodError);
    return error as ZodError;
  }
  throw new Error(`accepted ${String(JSON.stringify(input))?.slice(0, 200)}`);
}

/** The distinct paths of the issues `schema` finds in `input`, in order of first appearance. */
export function issuePaths(schema: z.ZodType, input: unknown): PropertyKey[][] {
  const paths = zodErrorOf(schema, input).issues.map(({ path }) => path);
  return paths.filter(
    (path, index) => paths.findIndex((other) => JSON.stringify(other) === JSON.stringify(path)) === index,
  );
}
