import type {
  agents,
  apiKeys,
  auditLog,
  blocklist,
  extensions,
  groupExtensions,
  groups,
  reports,
  users,
} from "@devtools-sync/db/schema";
import type { Table } from "drizzle-orm";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { InsertRow, Same } from "./derive";
import type * as api from "./index";

// Compile-time proof that the validators follow the tables: `tsc --noEmit` (and vitest's
// typecheck of this file) fails when a column changes and a schema does not.

/** For a table and its three schemas: select output, insert input and output, update output. */
type Follows<T extends Table, Select extends z.ZodType, Insert extends z.ZodType, Update extends z.ZodType> = [
  Same<z.output<Select>, T["$inferSelect"]>,
  Same<z.input<Insert>, InsertRow<T>>,
  Same<z.output<Insert>, InsertRow<T>>,
  Same<z.output<Update>, Partial<InsertRow<T>>>,
];
type AllTrue = [true, true, true, true];

describe("the inferred types", () => {
  it("are the table row types, for every table", () => {
    expectTypeOf<
      Follows<typeof users, typeof api.selectUserSchema, typeof api.insertUserSchema, typeof api.updateUserSchema>
    >().toEqualTypeOf<AllTrue>();
    expectTypeOf<
      Follows<typeof groups, typeof api.selectGroupSchema, typeof api.insertGroupSchema, typeof api.updateGroupSchema>
    >().toEqualTypeOf<AllTrue>();
    expectTypeOf<
      Follows<
        typeof extensions,
        typeof api.selectExtensionSchema,
        typeof api.insertExtensionSchema,
        typeof api.updateExtensionSchema
      >
    >().toEqualTypeOf<AllTrue>();
    expectTypeOf<
      Follows<typeof agents, typeof api.selectAgentSchema, typeof api.insertAgentSchema, typeof api.updateAgentSchema>
    >().toEqualTypeOf<AllTrue>();
    expectTypeOf<
      Follows<
        typeof apiKeys,
        typeof api.selectApiKeySchema,
        typeof api.insertApiKeySchema,
        typeof api.updateApiKeySchema
      >
    >().toEqualTypeOf<AllTrue>();
    expectTypeOf<
      Follows<
        typeof groupExtensions,
        typeof api.selectGroupExtensionSchema,
        typeof api.insertGroupExtensionSchema,
        typeof api.updateGroupExtensionSchema
      >
    >().toEqualTypeOf<AllTrue>();
    expectTypeOf<
      Follows<
        typeof reports,
        typeof api.selectReportSchema,
        typeof api.insertReportSchema,
        typeof api.updateReportSchema
      >
    >().toEqualTypeOf<AllTrue>();
    expectTypeOf<
      Follows<
        typeof blocklist,
        typeof api.selectBlocklistSchema,
        typeof api.insertBlocklistSchema,
        typeof api.updateBlocklistSchema
      >
    >().toEqualTypeOf<AllTrue>();
    // audit_log is append-only: no update schema.
    expectTypeOf<
      Follows<typeof auditLog, typeof api.selectAuditLogSchema, typeof api.insertAuditLogSchema, z.ZodNever>
    >().toEqualTypeOf<[true, true, true, false]>();
  });

  it("make columns that are nullable or have a default optional on insert (drizzle-zod types them as required)", () => {
    expectTypeOf<api.InsertUser>().toEqualTypeOf<{
      email: string;
      passwordHash: string;
      displayName?: string | null | undefined;
      role?: "admin" | "viewer" | undefined;
      isActive?: boolean | undefined;
      lastLoginAt?: Date | null | undefined;
    }>();
  });

  it("are exported under the schema's name", () => {
    expectTypeOf<api.SelectUser>().toEqualTypeOf<typeof users.$inferSelect>();
    expectTypeOf<api.CreateApiKeyRequest>().toEqualTypeOf<z.infer<typeof api.createApiKeyRequestSchema>>();
    expectTypeOf<api.SubmitReportsRequest>().toEqualTypeOf<z.infer<typeof api.submitReportsRequestSchema>>();
  });

  it("of responses are rows without secrets, with timestamps as strings on the wire and Dates once parsed", () => {
    expectTypeOf<api.UserResponse>().toEqualTypeOf<Omit<typeof users.$inferSelect, "passwordHash">>();
    expectTypeOf<api.ApiKeyResponse>().toEqualTypeOf<Omit<typeof apiKeys.$inferSelect, "keyHash">>();
    expectTypeOf<z.input<typeof api.userResponseSchema>["createdAt"]>().toEqualTypeOf<string>();
    expectTypeOf<z.input<typeof api.apiKeyResponseSchema>["expiresAt"]>().toEqualTypeOf<string | null>();
    expectTypeOf<api.CreateApiKeyResponse>().toEqualTypeOf<{ apiKey: api.ApiKeyResponse; key: string }>();
  });

  it("of requests fit the insert schemas the server feeds them to", () => {
    expectTypeOf<api.CreateGroupRequest>().toExtend<z.input<typeof api.insertGroupSchema>>();
    expectTypeOf<api.CreateExtensionRequest>().toExtend<z.input<typeof api.insertExtensionSchema>>();
    expectTypeOf<api.CreateBlocklistEntryRequest>().toExtend<z.input<typeof api.insertBlocklistSchema>>();
    expectTypeOf<api.AuditEvent>().toExtend<z.input<typeof api.insertAuditLogSchema>>();
    expectTypeOf<api.RegisterAgentRequest & { groupId: string }>().toExtend<z.input<typeof api.insertAgentSchema>>();
    expectTypeOf<api.CreateApiKeyRequest & { keyHash: string; keyPrefix: string }>().toExtend<
      z.input<typeof api.insertApiKeySchema>
    >();
    expectTypeOf<api.ReportEntry & { userHash: string; agentId: string; groupId: string }>().toExtend<
      z.input<typeof api.insertReportSchema>
    >();
    expectTypeOf<api.CreateUserRequest>().not.toHaveProperty("passwordHash");
    expectTypeOf<api.CreateApiKeyRequest>().not.toHaveProperty("keyHash");
  });
});
