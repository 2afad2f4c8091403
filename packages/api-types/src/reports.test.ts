import { reports } from "@devtools-sync/db/schema";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { insertReportSchema, MAX_REPORT_BATCH, reportEntrySchema, submitReportsRequestSchema } from "./reports";
import { openTestDatabase } from "./testing/database";
import { insertParents, SHA_A, SHA_B } from "./testing/tables";
import { issuePaths, zodErrorOf } from "./testing/zod";

const database = await openTestDatabase();
const { agentId, groupId } = await insertParents(database.db);

const entry = (index: number) => ({
  extensionId: `publisher-${index}.extension-${index}`,
  installed: true,
  installedVersion: `1.${index}.0`,
  extensionSha256: SHA_B,
});
const batchOf = (size: number) => ({
  userHash: SHA_A,
  reports: Array.from({ length: size }, (_, index) => entry(index)),
});

/** The rows a server writes for a batch: each entry, the batch's user, the agent's ids. */
const rowsOf = (batch: ReturnType<typeof batchOf>) =>
  submitReportsRequestSchema
    .parse(batch)
    .reports.map((report) => insertReportSchema.parse({ ...report, userHash: batch.userHash, agentId, groupId }));

describe("a batch of reports", () => {
  it(`carries 1 to ${MAX_REPORT_BATCH} entries, each of which becomes a row PostgreSQL stores`, async () => {
    const rows = rowsOf(batchOf(MAX_REPORT_BATCH));
    expect(rows).toHaveLength(MAX_REPORT_BATCH);
    const attempt = await database.tryInsert(reports, rows);
    expect(attempt.refusal).toBeUndefined();
  });

  it.each([0, MAX_REPORT_BATCH + 1])("refuses %i entries, at the path of the list", (size) => {
    expect(issuePaths(submitReportsRequestSchema, batchOf(size))).toEqual([["reports"]]);
  });

  it("refuses 100 000 entries without validating any of them", () => {
    const huge = { userHash: SHA_A, reports: Array.from({ length: 100_000 }, () => ({ bogus: true })) };
    const error = zodErrorOf(submitReportsRequestSchema, huge);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.message).toBe(`must carry at most ${MAX_REPORT_BATCH} entries`);
  });

  it("refuses an extension reported twice, as the unique key (user_hash, group_id, extension_id) would", async () => {
    const batch = {
      userHash: SHA_A,
      reports: [entry(1), entry(2), { ...entry(1), installed: false, installedVersion: null, extensionSha256: null }],
    };
    const error = zodErrorOf(submitReportsRequestSchema, batch);
    expect(error.issues.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: ["reports", 2, "extensionId"], message: "is reported twice" },
    ]);
    const rows = batch.reports.map((report) => ({ ...report, userHash: SHA_A, agentId, groupId }));
    const attempt = await database.tryInsert(reports, rows);
    expect(attempt.refusal?.code).toBe("23505"); // unique_violation
    expect(attempt.refusal?.message).toContain("reports_user_hash_group_id_extension_id_key");
  });

  it("is strict: no group, agent or unknown field rides along", () => {
    for (const extra of [{ groupId }, { agentId }, { clientIp: "10.0.0.1" }]) {
      expect(() => submitReportsRequestSchema.parse({ ...batchOf(1), ...extra })).toThrow(ZodError);
      expect(() => reportEntrySchema.parse({ ...entry(1), ...extra })).toThrow(ZodError);
    }
  });
});

describe("a report entry", () => {
  it("of an extension that is not installed has no version or checksum", () => {
    expect(reportEntrySchema.parse({ extensionId: "golang.go", installed: false })).toEqual({
      extensionId: "golang.go",
      installed: false,
    });
    expect(issuePaths(reportEntrySchema, { ...entry(1), installed: false })).toEqual([
      ["installedVersion"],
      ["extensionSha256"],
    ]);
  });

  it.each(["ms-python.python", "GitHub.copilot", "13xforever.language-x86-64-assembly", "ms-vscode-remote.remote-ssh"])(
    "takes the extension id %s",
    (extensionId) => {
      expect(reportEntrySchema.parse({ extensionId, installed: true }).extensionId).toBe(extensionId);
    },
  );

  it.each(["python", "ms-python.", ".python", "ms_python.python", "a.b.c", "-a.b", "ms-python.python "])(
    "refuses the extension id %j",
    (extensionId) => {
      expect(issuePaths(reportEntrySchema, { extensionId, installed: true })).toEqual([["extensionId"]]);
    },
  );

  it.each(["2024.1.0", "0.40.0", "10.0.0", "1.2.3-insider.4", "1.0.0+build.7"])(
    "takes the version %s",
    (installedVersion) => {
      expect(reportEntrySchema.parse({ extensionId: "a.b", installed: true, installedVersion }).installedVersion).toBe(
        installedVersion,
      );
    },
  );

  it.each(["1.0", "v1.0.0", "01.0.0", "1.0.0-", "latest"])("refuses the version %j", (installedVersion) => {
    expect(() => reportEntrySchema.parse({ extensionId: "a.b", installed: true, installedVersion })).toThrow(ZodError);
  });
});
