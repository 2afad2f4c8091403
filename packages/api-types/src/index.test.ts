import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import * as tables from "@devtools-sync/db/schema";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as api from "./index";
import { samples } from "./testing/samples";

// What importing the package costs and exposes.

/** Every module URL a fresh `node` process resolves while importing `specifier`. */
async function modulesLoadedBy(specifier: string): Promise<string[]> {
  const log = join(await mkdtemp(join(tmpdir(), "modules-")), "resolved.txt");
  const hooks = new URL("./testing/typescript-hooks.mjs", import.meta.url).href;
  const register = `import { register } from "node:module"; register(${JSON.stringify(hooks)}, { data: { log: ${JSON.stringify(log)} } });`;
  try {
    await promisify(execFile)(
      process.execPath,
      [
        "--import",
        `data:text/javascript,${encodeURIComponent(register)}`,
        "--input-type=module",
        "-e",
        `await import(${JSON.stringify(specifier)});`,
      ],
      { cwd: new URL(".", import.meta.url).pathname },
    );
    return (await readFile(log, "utf8")).split("\n").filter((line) => line !== "");
  } finally {
    await rm(dirname(log), { recursive: true, force: true });
  }
}

const isPg = (url: string) => /\/node_modules\/(pg|pg-pool|pg-protocol|pg-types|pg-connection-string)\//.test(url);

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
    const [byPackage, byDriver] = await Promise.all([
      modulesLoadedBy(new URL("./index.ts", import.meta.url).href),
      modulesLoadedBy("drizzle-orm/node-postgres"),
    ]);
    expect(byPackage.some((url) => url.includes("/drizzle-orm/"))).toBe(true); // the hooks saw the package load
    expect(byPackage.filter(isPg)).toEqual([]);
    expect(byDriver.some(isPg)).toBe(true); // and the same hooks do see pg when something loads it
    // Two node processes transpiling TypeScript: a bound on waiting for them on a busy machine, not a speed test.
  }, 30_000);

  it("has a barrel that only re-exports", async () => {
    const barrel = await readFile(new URL("./index.ts", import.meta.url), "utf8");
    const lines = barrel.split("\n").filter((line) => line.trim() !== "");
    for (const line of lines) expect(line).toMatch(/^export (\*|\{[^}]*\}) from "\.\/[a-z-]+";$/);
  });

  it("exports select, insert and update schemas for every table, and none to update the append-only audit log", () => {
    const exports: Record<string, unknown> = api;
    const tableNames = [
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
    for (const table of tableNames) {
      for (const kind of table === "AuditLog" ? ["select", "insert"] : ["select", "insert", "update"]) {
        expect(exports[`${kind}${table}Schema`], `${kind}${table}Schema`).toBeInstanceOf(z.ZodObject);
      }
    }
    expect(exports.updateAuditLogSchema).toBeUndefined();
  });
});

describe("value sets", () => {
  it("are the lists the database schema exports, which its CHECK constraints are made from", () => {
    const sets: [z.ZodType, readonly string[]][] = [
      [api.selectUserSchema.shape.role, tables.userRoles],
      [api.selectAgentSchema.shape.platform, tables.agentPlatforms],
      [api.selectAgentSchema.shape.status, tables.agentStatuses],
      [api.selectBlocklistSchema.shape.patternType, tables.blocklistPatternTypes],
      [api.selectAuditLogSchema.shape.actorType, tables.auditActorTypes],
    ];
    for (const [field, list] of sets) expect((field as z.ZodEnum).options).toEqual([...list]);
    for (const scope of tables.apiKeyScopes) expect(api.insertApiKeySchema.shape.scopes.parse(scope)).toBe(scope);
    expect(api.insertApiKeySchema.shape.scopes.parse(tables.apiKeyScopes.join(","))).toBe(
      tables.apiKeyScopes.join(","),
    );
  });
});

describe("responses", () => {
  it("never include a password hash or key hash, at any depth", () => {
    const responses = Object.entries(api as Record<string, unknown>).filter(
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
