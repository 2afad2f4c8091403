import { getTableColumns } from "drizzle-orm";
import { z } from "zod";
import * as api from "../index";
import { caseOfTable, type Parents, SHA_A, type TableCase, tableCases } from "./tables";

/** Ids of parent rows, for tests that need no database. */
export const fixedParents: Parents = {
  userId: "0b6c1b77-5a8f-4b8a-9d55-2b7e0a3c9f11",
  groupId: "6f1d2e3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
  extensionId: "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
  agentId: "3c2b1a09-8f7e-4d6c-8b5a-493827160514",
};

/** A full row of `tableCase` as the database returns it: the sample plus ids, defaults and timestamps. */
export function storedRow(tableCase: TableCase): Record<string, unknown> {
  const sample = tableCase.sample(fixedParents);
  const entries = Object.entries(getTableColumns(tableCase.table)).map(([key, column]) => {
    if (key in sample) return [key, sample[key]];
    if (key === "id") return [key, "5d0c7e2a-1b3f-4c5d-8e9f-0a1b2c3d4e5f"];
    if (column.columnType === "PgTimestamp") return [key, column.notNull ? new Date("2026-01-02T03:04:05.678Z") : null];
    if (!column.notNull) return [key, null];
    if (column.default !== undefined) return [key, column.default];
    throw new Error(`${tableCase.name}.${key}: no stored value`);
  });
  return Object.fromEntries(entries);
}

const row = (table: string) => storedRow(caseOfTable(table));
const encoded = (schema: z.ZodType, value: unknown) => z.encode(schema, value as never);

/** A valid input of every exported object schema, keyed by the schema (responses in their JSON form). */
export const samples = new Map<z.ZodType, unknown>([
  ...tableCases.flatMap((tableCase): [z.ZodType, unknown][] => [
    [tableCase.select, storedRow(tableCase)],
    [tableCase.insert, tableCase.sample(fixedParents)],
    ...(tableCase.update ? [[tableCase.update, tableCase.sample(fixedParents)] as [z.ZodType, unknown]] : []),
  ]),
  [api.userResponseSchema, encoded(api.userResponseSchema, row("users"))],
  [api.groupResponseSchema, encoded(api.groupResponseSchema, row("groups"))],
  [api.extensionResponseSchema, encoded(api.extensionResponseSchema, row("extensions"))],
  [api.agentResponseSchema, encoded(api.agentResponseSchema, row("agents"))],
  [api.apiKeyResponseSchema, encoded(api.apiKeyResponseSchema, row("api_keys"))],
  [api.groupExtensionResponseSchema, encoded(api.groupExtensionResponseSchema, row("group_extensions"))],
  [api.reportResponseSchema, encoded(api.reportResponseSchema, row("reports"))],
  [api.blocklistEntryResponseSchema, encoded(api.blocklistEntryResponseSchema, row("blocklist"))],
  [api.auditEventResponseSchema, encoded(api.auditEventResponseSchema, row("audit_log"))],
  [
    api.createUserRequestSchema,
    { email: "grace@example.com", password: "correct horse battery staple", role: "viewer" },
  ],
  [api.createGroupRequestSchema, { name: "Design", description: "Design and UX team", settings: { strict: true } }],
  [api.updateGroupRequestSchema, { description: null }],
  [
    api.createExtensionRequestSchema,
    { extensionId: "golang.go", name: "Go", publisher: "Go Team at Google", pinnedVersion: "0.40.0" },
  ],
  [api.updateExtensionRequestSchema, { pinnedVersion: "0.41.0", sha256Checksum: SHA_A }],
  [api.addGroupExtensionRequestSchema, { extensionId: fixedParents.extensionId, isRequired: false }],
  [api.updateGroupExtensionRequestSchema, { isRequired: true }],
  [
    api.registerAgentRequestSchema,
    { machineId: "host-42.example:eth0", userHash: SHA_A, platform: "win32", agentVersion: "1.2.3-beta.1" },
  ],
  [
    api.registerAgentResponseSchema,
    { agent: encoded(api.agentResponseSchema, row("agents")), heartbeatIntervalSeconds: 300 },
  ],
  [api.agentHeartbeatRequestSchema, { agentVersion: "1.2.4" }],
  [
    api.agentHeartbeatResponseSchema,
    { status: "active", heartbeatIntervalSeconds: 300, serverTime: "2026-01-02T03:04:05.678Z" },
  ],
  [
    api.createApiKeyRequestSchema,
    { groupId: fixedParents.groupId, name: "CI key", scopes: "agent,read", expiresAt: "2027-01-01T00:00:00+02:00" },
  ],
  [
    api.createApiKeyResponseSchema,
    { apiKey: encoded(api.apiKeyResponseSchema, row("api_keys")), key: `dts_abcd${"x".repeat(40)}` },
  ],
  [api.reportEntrySchema, { extensionId: "golang.go", installed: true, installedVersion: "0.40.0" }],
  [
    api.submitReportsRequestSchema,
    {
      userHash: SHA_A,
      reports: [
        { extensionId: "golang.go", installed: true, installedVersion: "0.40.0", extensionSha256: SHA_A },
        { extensionId: "esbenp.prettier-vscode", installed: false },
      ],
    },
  ],
  [api.submitReportsResponseSchema, { accepted: 2, blockedExtensionIds: ["malicious.bad-extension"] }],
  [
    api.createBlocklistEntryRequestSchema,
    { patternType: "publisher", pattern: "malicious", reason: "Publisher ships malware" },
  ],
  [api.updateBlocklistEntryRequestSchema, { isActive: false }],
  [api.auditEventSchema, caseOfTable("audit_log").sample(fixedParents)],
  [api.auditLogQuerySchema, { limit: "20", actorType: "agent" }],
  [api.paginationQuerySchema, { limit: 10, cursor: "b2Zmc2V0OjEw" }],
  [
    api.errorEnvelopeSchema,
    {
      error: {
        code: "bad_request",
        message: "The request is invalid.",
        issues: [{ path: ["name"], message: "must not be blank" }],
      },
    },
  ],
  [api.errorIssueSchema, { path: ["reports", 3, "extensionId"], message: "is reported twice" }],
]);

const exports: [string, unknown][] = Object.entries(api);

/** Every schema the package exports, by export name. */
export const exportedSchemas = exports.filter((entry): entry is [string, z.ZodType] => entry[1] instanceof z.ZodType);

/** Every object schema the package exports, by export name. */
export const exportedObjectSchemas = exports.filter(
  (entry): entry is [string, z.ZodObject] => entry[1] instanceof z.ZodObject,
);
