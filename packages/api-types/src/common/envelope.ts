import { z } from "zod";
import { storableText } from "./text";

// The one shape of every API error response.

/** Every error code an API response carries, each with its HTTP status. */
export const errorCodes = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
} as const;
/** One of the {@link errorCodes}. */
export type ErrorCode = keyof typeof errorCodes;

/** One validation problem: where (the issue path, e.g. `["reports", 3, "extensionId"]`) and what. */
export const errorIssueSchema = z.strictObject({
  path: z.array(z.union([storableText(), z.int()])),
  message: storableText(),
});
export type ErrorIssue = z.infer<typeof errorIssueSchema>;

/** The one shape of every error response: `{ error: { code, message, issues?, requestId? } }`. */
export const errorEnvelopeSchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
    message: storableText().min(1),
    issues: z.array(errorIssueSchema).optional(),
    requestId: storableText(128).optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** The 400 envelope for a failed validation, one issue per problem, symbol path keys as strings. */
export function validationErrorEnvelope(error: z.ZodError, requestId?: string): ErrorEnvelope {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
    message: issue.message,
  }));
  return {
    error: { code: "bad_request", message: "The request is invalid.", issues, ...(requestId ? { requestId } : {}) },
  };
}
