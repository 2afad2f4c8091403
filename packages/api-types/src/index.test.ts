import { readFile } from "node:fs/promises";
import { register } from "node:module";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { z } from "zod";

// What importing the package costs and exposes. This file imports the package (and the test
// samples, which import it) only dynamically, so that the first test sees it load.

const SECRET_KEYS = ["passwordHash", "password_hash", "keyHash", "key_hash", "password"];

type Def = { type: string; innerType?: z.core.$ZodType; element?: z.core.$ZodType; in?: z.core.$ZodType };
const defOf = (schema: z.core.$ZodType) => schema._zod.def as unknown as Def;
const shapeOf = (schema: z.core.$ZodType) => (schema as z.ZodObject).shape as Record<string, z.core.$ZodType>;

/** The schema a wrapper (optional, nullable, default, pipe) wraps, or undefined. */
function innerOf(schema: z.core.$ZodType): z.core.$ZodType | undefined {
  const def = defOf(schema);
  return def.type === "pipe" ? def.in : def.innerType;
}

/** Every object key anywhere in `schema`, through optional, nullable, arrays, pipes and codecs. */
function keysIn(schema: z.core.$ZodType): string[] {
  const def = defOf(schema);
  if (def.type === "object") return Object.entries(shapeOf(schema)).flatMap(([key, field]) => [key, ...keysIn(field)]);
  if (def.type === "array" && def.element) return keysIn(def.element);
  const inner = innerOf(schema);
  return inner ? keysIn(inner) : [];
}

/** `value` with every secret key added to every object the schema describes, as a careless server would send it. */
function withSecrets(schema: z.core.$ZodType, value: unknown): unknown {
  const def = defOf(schema);
  if (def.type === "array" && def.element && Array.isArray(value)) {
    const element = def.element;
    return value.map((item) => withSecrets(element, item));
  }
  if (def.type === "object" && typeof value === "object" && value !== null) {
    const shape = shapeOf(schema);
    const members = Object.entries(value).map(([key, member]) => [
      key,
      shape[key] ? withSecrets(shape[key], member) : member,
    ]);
    return Object.fromEntries([...members, ...SECRET_KEYS.map((key) => [key, "secret"])]);
  }
  const inner = innerOf(schema);
  return inner ? withSecrets(inner, value) : value;
}

describe("the package", () => {
  it("loads no database driver: importing it never loads pg", async () => {
    const { port1, port2 } = new MessageChannel();
    const hook = `
      let port;
      export function initialize(data) { port = data.port; }
      export async function resolve(specifier, context, next) {
        const resolved = await next(specifier, context);
        port.postMessage(resolved.url);
        return resolved;
      }`;
    register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { port: port2 }, transferList: [port2] });
    const loaded = async (specifier: string) => {
      await import(/* @vite-ignore */ specifier);
      const urls: string[] = [];
      for (let message = receiveMessageOnPort(port1); message; message = receiveMessageOnPort(port1)) {
        urls.push(message.message as string);
      }
      return urls;
    };
    const isPg = (url: string) => /\/node_modules\/(pg|pg-pool|pg-protocol)\/|\/pg@/.test(url);

    const byPackage = await loaded("./index");
    expect(byPackage.some((url) => url.includes("drizzle-orm"))).toBe(true); // the hook saw the package load
    expect(byPackage.filter(isPg)).toEqual([]);
    // The same hook does see pg when something loads it.
    expect((await loaded("drizzle-orm/node-postgres")).some(isPg)).toBe(true);
  });

  it("has a barrel that only re-exports", async () => {
    const barrel = await readFile(new URL("./index.ts", import.meta.url), "utf8");
    const lines = barrel.split("\n").filter((line) => line.trim() !== "");
    for (const line of lines) expect(line).toMatch(/^export (\*|\{[^}]*\}) from "\.\/[a-z-]+";$/);
  });

  it("exports select, insert and update schemas for every table", async () => {
    const api: Record<string, unknown> = await import("./index");
    const tables = [
      "User",
      "Group",
      "Extension",
      "Agent",
      "ApiKey",
      "GroupExtension",
      "Report",
      "Blocklist",
      "AuditLog",
    ];
    for (const table of tables) {
      for (const kind of ["select", "insert", "update"]) {
        expect(api[`${kind}${table}Schema`], `${kind}${table}Schema`).toBeInstanceOf(z.ZodObject);
      }
    }
  });
});

describe("value sets", () => {
  it("are the lists the database schema exports, which its CHECK constraints are made from", async () => {
    const api = await import("./index");
    const schema = await import("@devtools-sync/db/schema");
    const sets: [z.ZodType, readonly string[]][] = [
      [api.selectUserSchema.shape.role, schema.userRoles],
      [api.selectAgentSchema.shape.platform, schema.agentPlatforms],
      [api.selectAgentSchema.shape.status, schema.agentStatuses],
      [api.selectBlocklistSchema.shape.patternType, schema.blocklistPatternTypes],
      [api.selectAuditLogSchema.shape.actorType, schema.auditActorTypes],
    ];
    for (const [field, list] of sets) expect((field as z.ZodEnum).options).toEqual([...list]);
    for (const scope of schema.apiKeyScopes) expect(api.insertApiKeySchema.shape.scopes.parse(scope)).toBe(scope);
    expect(api.insertApiKeySchema.shape.scopes.parse(schema.apiKeyScopes.join(","))).toBe(
      schema.apiKeyScopes.join(","),
    );
  });
});

describe("responses", () => {
  it("never include a password hash or key hash, at any depth", async () => {
    const api: Record<string, unknown> = await import("./index");
    const { samples } = await import("./testing/samples");
    const responses = Object.entries(api).filter(
      ([name]) => /Response(Schema)?$/.test(name) && name.endsWith("Schema"),
    );
    expect(responses.length).toBeGreaterThanOrEqual(12);
    for (const [name, schema] of responses) {
      expect(
        keysIn(schema as z.ZodType).filter((key) => SECRET_KEYS.includes(key)),
        name,
      ).toEqual([]);
      // A server that passes whole rows through the schema sends no secret either.
      const sent = (schema as z.ZodType).parse(withSecrets(schema as z.ZodType, samples.get(schema as z.ZodType)));
      expect(JSON.stringify(sent), name).not.toMatch(/secret/);
    }
  });
});
