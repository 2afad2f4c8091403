import { z } from "zod";
import { isUnstorable } from "./unstorable";

// JSON objects that a `jsonb` column stores unchanged.

/** Keys that pollute prototypes when code later merges or assigns the object. */
export const PROTOTYPE_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** How many objects or arrays deep a JSON value written through the API may nest (`{}` is 1). */
export const MAX_JSON_DEPTH = 32;

type JsonProblem = { path: (string | number)[]; message: string };

/** A value met in the walk, linked to its parent so that building paths costs nothing until a problem. */
interface JsonNode {
  value: unknown;
  key: string | number | undefined;
  parent: JsonNode | undefined;
  depth: number;
}

function pathOf(node: JsonNode): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: JsonNode | undefined = node; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** An object literal or JSON.parse result; not a class instance, nor a null-prototype object (drizzle cannot write one). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** What is wrong with one value, its own members aside. */
function valueProblem(node: JsonNode, writable: boolean): string | undefined {
  const { value } = node;
  if (value === null || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : "must be a finite number";
  if (typeof value === "string")
    return isUnstorable(value) ? "must not contain U+0000 or unpaired surrogates" : undefined;
  if (!Array.isArray(value) && !isPlainObject(value)) return "must be a JSON value";
  if (writable && node.depth > MAX_JSON_DEPTH) return `must nest at most ${MAX_JSON_DEPTH} objects or arrays deep`;
  if (Object.getOwnPropertySymbols(value).length > 0) return "must not have symbol keys";
  return undefined;
}

/** What is wrong with a member's key. */
function keyProblem(key: string, writable: boolean): string | undefined {
  if (isUnstorable(key)) return "key must not contain U+0000 or unpaired surrogates";
  if (writable && PROTOTYPE_KEYS.includes(key)) return `key "${key}" is not allowed`;
  return undefined;
}

/**
 * The first way `root` is not JSON that jsonb stores unchanged, or, with `writable`, not JSON
 * the API takes. Iterative and linear in the size of `root`, whatever its depth.
 */
function jsonProblem(root: unknown, writable: boolean): JsonProblem | undefined {
  const pending: JsonNode[] = [{ value: root, key: undefined, parent: undefined, depth: 1 }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const problem = valueProblem(node, writable);
    if (problem) return { path: pathOf(node), message: problem };
    const { value } = node;
    if (typeof value !== "object" || value === null) continue;
    const depth = node.depth + 1;
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const child = { value: value[index], key: index, parent: node, depth };
        if (!(index in value)) return { path: pathOf(child), message: "must not be a hole" };
        pending.push(child);
      }
      continue;
    }
    for (const [key, member] of Object.entries(value)) {
      const child = { value: member, key, parent: node, depth };
      const problem = keyProblem(key, writable);
      if (problem) return { path: pathOf(child), message: problem };
      pending.push(child);
    }
  }
  return undefined;
}

function jsonCheck(writable: boolean): z.core.CheckFn<Record<string, unknown>> {
  return (ctx) => {
    const problem = jsonProblem(ctx.value, writable);
    if (problem) ctx.issues.push({ code: "custom", input: ctx.value, path: problem.path, message: problem.message });
  };
}

/** The schema type of a jsonb column declared `$type<Record<string, unknown>>()`. */
export type JsonObjectSchema = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/**
 * A JSON object jsonb stores unchanged: plain objects and arrays of strings, finite numbers,
 * booleans and null, without U+0000 or lone surrogates, and nothing JSON.stringify would drop
 * or alter (undefined, functions, Dates, holes). A deep payload is a ZodError, never a stack overflow.
 */
export function jsonObject(): JsonObjectSchema {
  return z.custom<Record<string, unknown>>(isPlainObject, { message: "must be a JSON object" }).check(jsonCheck(false));
}

/** A JSON object as the API takes it: nested at most {@link MAX_JSON_DEPTH} deep, no {@link PROTOTYPE_KEYS}. */
export function writableJson(stored: JsonObjectSchema): JsonObjectSchema {
  return stored.check(jsonCheck(true));
}
