import {
  agentPlatforms,
  agentStatuses,
  agents,
  apiKeyScopes,
  apiKeys,
  auditActorTypes,
  auditLog,
  blocklist,
  blocklistPatternTypes,
  extensions,
  groupExtensions,
  groups,
  reports,
  userRoles,
  users,
} from "@devtools-sync/db/schema";
import { getTableColumns, type Table } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import fc from "fast-check";
import type { z } from "zod";
import { isServerOwned } from "../derive";
import * as api from "../index";
import {
  anyUuid,
  bool,
  type Field,
  forColumn,
  type GeneratedRow,
  instant,
  ipAddress,
  jsonObject,
  matching,
  name,
  oneOf,
  reference,
  rows,
  sha256,
  text,
} from "./arbitraries";
import { insertRow } from "./database";

/** Rows every child row can point at: committed once per test file. */
export interface Parents {
  userId: string;
  groupId: string;
  extensionId: string;
  agentId: string;
}

/** Everything the agreement tests need to know about one table. */
export interface TableCase {
  /** The table's SQL name. */
  name: string;
  table: Table;
  select: z.ZodObject;
  insert: z.ZodObject;
  /** Absent for audit_log: append-only, the database refuses every UPDATE. */
  update?: z.ZodType;
  /** A valid new row. */
  sample(parents: Parents): Record<string, unknown>;
  /** How to generate each insertable column's values. */
  values(parents: Parents): Record<string, Field>;
}

export const SHA_A = "a".repeat(64);
export const SHA_B = "0123456789abcdef".repeat(4);

const version = () => matching(api.VERSION, 50, "1.0", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0+");
const extensionId = () =>
  matching(api.EXTENSION_ID, 255, "python", "ms-python.", ".python", "ms_python.python", "a.b.c");

/** The nine tables, parents first. */
export const tableCases: TableCase[] = [
  {
    name: "users",
    table: users,
    select: api.selectUserSchema,
    insert: api.insertUserSchema,
    update: api.updateUserSchema,
    sample: () => ({
      email: "ada@example.com",
      passwordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g",
      displayName: "Ada Lovelace",
      role: "admin",
    }),
    values: () => ({
      email: matching(api.EMAIL, 255, "ada", "ada@", "@example.com", "ada@example", "ada @example.com"),
      passwordHash: matching(api.PASSWORD_HASH, 255, "hunter2", "correct horse battery staple"),
      displayName: name(255),
      role: oneOf(userRoles),
      isActive: bool,
      lastLoginAt: instant,
    }),
  },
  {
    name: "groups",
    table: groups,
    select: api.selectGroupSchema,
    insert: api.insertGroupSchema,
    update: api.updateGroupSchema,
    sample: () => ({ name: "Engineering", description: "Software engineering team", settings: { syncMinutes: 15 } }),
    values: () => ({ name: name(255), description: text(api.MAX_FREE_TEXT), settings: jsonObject }),
  },
  {
    name: "extensions",
    table: extensions,
    select: api.selectExtensionSchema,
    insert: api.insertExtensionSchema,
    update: api.updateExtensionSchema,
    sample: () => ({
      extensionId: "ms-python.python",
      name: "Python",
      publisher: "Microsoft",
      pinnedVersion: "2024.1.0",
      sha256Checksum: SHA_B,
      marketplaceUrl: "https://marketplace.visualstudio.com/items?itemName=ms-python.python",
    }),
    values: () => ({
      extensionId: extensionId(),
      name: name(255),
      publisher: name(255),
      pinnedVersion: version(),
      sha256Checksum: sha256,
      marketplaceUrl: {
        valid: fc.webUrl({ validSchemes: ["https"] }),
        edges: fc.oneof(
          fc.webUrl(),
          fc.constantFrom("javascript:alert(1)", "https://", "not a url", `https://example.com/${"a".repeat(2048)}`),
        ),
      },
      isBlocked: bool,
    }),
  },
  {
    name: "agents",
    table: agents,
    select: api.selectAgentSchema,
    insert: api.insertAgentSchema,
    update: api.updateAgentSchema,
    sample: ({ groupId }) => ({
      groupId,
      machineId: "abc123def456abc123def456abc123def456abc123def456abc123def456abcd",
      userHash: SHA_A,
      displayName: "Dev Laptop 1",
      platform: "linux",
      agentVersion: "0.40.0",
    }),
    values: ({ groupId }) => ({
      groupId: reference(groupId),
      machineId: matching(api.MACHINE_ID, 64, "has space", "a/b", "x".repeat(65), "ü"),
      userHash: sha256,
      displayName: name(255),
      platform: oneOf(agentPlatforms),
      agentVersion: version(),
      lastHeartbeat: instant,
      lastSync: instant,
      status: oneOf(agentStatuses),
    }),
  },
  {
    name: "api_keys",
    table: apiKeys,
    select: api.selectApiKeySchema,
    insert: api.insertApiKeySchema,
    update: api.updateApiKeySchema,
    sample: ({ groupId, userId }) => ({
      groupId,
      createdBy: userId,
      keyHash: SHA_B,
      keyPrefix: "dts_abcd",
      name: "Engineering Dev Key",
      scopes: "agent,read",
      expiresAt: new Date("2030-01-01T00:00:00Z"),
    }),
    values: ({ groupId, userId }) => ({
      groupId: reference(groupId),
      createdBy: reference(userId),
      keyHash: sha256,
      keyPrefix: matching(api.KEY_PREFIX, 8, "short", "toolong12", "dts abcd"),
      name: name(255),
      scopes: {
        valid: fc.subarray([...apiKeyScopes], { minLength: 1 }).map((scopes) => scopes.join(",")),
        edges: fc.constantFrom("", "agent,", ",agent", "agent,agent", "root", "agent, read", "AGENT"),
      },
      expiresAt: instant,
      lastUsedAt: instant,
      revokedAt: instant,
    }),
  },
  {
    name: "group_extensions",
    table: groupExtensions,
    select: api.selectGroupExtensionSchema,
    insert: api.insertGroupExtensionSchema,
    update: api.updateGroupExtensionSchema,
    sample: ({ groupId, extensionId, userId }) => ({ groupId, extensionId, isRequired: false, addedBy: userId }),
    values: ({ groupId, extensionId, userId }) => ({
      groupId: reference(groupId),
      extensionId: reference(extensionId),
      isRequired: bool,
      addedBy: reference(userId),
    }),
  },
  {
    name: "reports",
    table: reports,
    select: api.selectReportSchema,
    insert: api.insertReportSchema,
    update: api.updateReportSchema,
    sample: ({ agentId, groupId }) => ({
      agentId,
      groupId,
      extensionId: "golang.go",
      userHash: SHA_A,
      installed: true,
      installedVersion: "0.40.0",
      extensionSha256: SHA_B,
      clientIp: "192.0.2.10",
    }),
    values: ({ agentId, groupId }) => ({
      agentId: reference(agentId),
      groupId: reference(groupId),
      extensionId: extensionId(),
      userHash: sha256,
      installed: bool,
      installedVersion: version(),
      extensionSha256: sha256,
      clientIp: ipAddress,
      reportedAt: instant,
    }),
  },
  {
    name: "blocklist",
    table: blocklist,
    select: api.selectBlocklistSchema,
    insert: api.insertBlocklistSchema,
    update: api.updateBlocklistSchema,
    sample: ({ userId }) => ({
      patternType: "exact",
      pattern: "malicious.bad-extension",
      reason: "Known malware - reported by security team",
      createdBy: userId,
    }),
    values: ({ userId }) => ({
      patternType: oneOf(blocklistPatternTypes),
      pattern: compilingAsRegex(name(255)),
      reason: text(api.MAX_FREE_TEXT),
      createdBy: reference(userId),
      isActive: bool,
    }),
  },
  {
    name: "audit_log",
    table: auditLog,
    select: api.selectAuditLogSchema,
    insert: api.insertAuditLogSchema,
    sample: ({ userId, groupId }) => ({
      eventType: "api_key.created",
      actorType: "user",
      actorId: userId,
      groupId,
      targetType: "api_key",
      targetId: "11111111-1111-1111-1111-111111111111",
      details: { name: "Engineering Dev Key", scopes: ["agent"] },
      clientIp: "2001:db8::1",
      userAgent: "Mozilla/5.0 (X11; Linux x86_64)",
    }),
    values: ({ groupId }) => ({
      eventType: matching(api.DOTTED_IDENTIFIER, 50, "Api.Created", "a..b", "x".repeat(51), "api_key."),
      actorType: oneOf(auditActorTypes),
      actorId: anyUuid,
      groupId: reference(groupId),
      targetType: matching(/^[a-z][a-z0-9_]*$/, 50, "Api", "api.key"),
      targetId: anyUuid,
      details: jsonObject,
      clientIp: ipAddress,
      userAgent: text(api.MAX_USER_AGENT_LENGTH),
    }),
  },
];

/** The test case of the table named `name` (its SQL name). */
export function caseOfTable(name: string): TableCase {
  const found = tableCases.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no test case for table ${name}`);
  return found;
}

/** The columns of a table that an insert may set: every column but the server-owned ones. */
export function insertableColumns(table: Table) {
  return Object.entries(getTableColumns(table)).filter(([key]) => !isServerOwned(key));
}

/** `field` with valid values that also compile as a blocklist regex, since the type is drawn apart from the pattern. */
function compilingAsRegex(field: Field): Field {
  const compiles = (pattern: unknown) =>
    api.createBlocklistEntryRequestSchema.safeParse({ patternType: "regex", pattern }).success;
  return { valid: field.valid.filter(compiles), edges: field.edges };
}

/** Arbitrary rows of `tableCase`: every insertable column, null/undefined where it may be absent. */
export function rowArbitrary(tableCase: TableCase, parents: Parents): fc.Arbitrary<GeneratedRow> {
  const values = tableCase.values(parents);
  const fields = insertableColumns(tableCase.table).map(([key, column]) => {
    const value = values[key];
    if (!value) throw new Error(`${tableCase.name}.${key}: the test registry has no arbitrary for this column`);
    return [key, forColumn(column, value)] as const;
  });
  return rows(Object.fromEntries(fields));
}

/** Commits one row in each parent table, through the insert schemas, and returns their ids. */
export async function insertParents(db: NodePgDatabase): Promise<Parents> {
  const insert = async (table: Table, schema: z.ZodObject, row: Record<string, unknown>) =>
    String((await insertRow(db, table, schema.parse(row))).id);
  const userId = await insert(users, api.insertUserSchema, {
    email: "parent@example.com",
    passwordHash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZRGdjGj/n3.QWHKjNC.5RILXPnZGW",
  });
  const groupId = await insert(groups, api.insertGroupSchema, { name: "Parent group" });
  const extensionId = await insert(extensions, api.insertExtensionSchema, {
    extensionId: "parent.extension",
    name: "Parent",
    publisher: "Parent Publisher",
  });
  const agentId = await insert(agents, api.insertAgentSchema, {
    groupId,
    machineId: "parent-machine",
    userHash: SHA_A,
    platform: "darwin",
  });
  return { userId, groupId, extensionId, agentId };
}
