import { EMAIL_PATTERN, EXTENSION_ID_PATTERN, SHA256_HEX_PATTERN } from "@devtools-sync/db/schema";
import { z } from "zod";

// Formats of the identifiers, digests and versions the tables keep as plain text.

/**
 * A UUID in PostgreSQL's output form: any 8-4-4-4-12 hex string. Not `z.uuid()`: that demands an
 * RFC 9562 version and variant and so rejects ids the database holds, such as the seed's
 * `11111111-1111-1111-1111-111111111111`. PostgreSQL also reads unhyphenated or braced forms;
 * the API takes only the canonical one.
 */
export const uuid = z.guid({ message: "must be a UUID (8-4-4-4-12 hex digits)" });

/** A SHA-256 digest as 64 lowercase hex characters (key hashes, checksums, user hashes). */
export const SHA256_HEX = new RegExp(SHA256_HEX_PATTERN);

/**
 * A machine id: 1-64 characters of `[A-Za-z0-9._:-]`. Covers the hex digests agents derive from
 * OS machine ids (the seed's are 64 hex characters), hostnames, and `:`-joined composites, and
 * keeps white space, slashes and quotes out of logs and URLs.
 */
export const MACHINE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * An extension id `publisher.name`, exactly VS Code's `EXTENSION_IDENTIFIER_PATTERN`
 * (`ms-python.python`, `esbenp.prettier-vscode`, `GitHub.copilot`); the database's
 * `extensions_extension_id_check` and `reports_extension_id_check` hold the same pattern.
 */
export const EXTENSION_ID = new RegExp(EXTENSION_ID_PATTERN);

/** A publisher id: the part of an extension id before the dot. */
export const PUBLISHER_ID = /^[a-zA-Z0-9][a-zA-Z0-9-]*$/;

/**
 * A version: SemVer 2.0 `major.minor.patch`, optional `-prerelease` and `+build`
 * (`2024.1.0`, `0.40.0`, `1.2.3-insider.4`). What VS Code extensions and the agent publish.
 */
export const VERSION =
  /^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * An e-mail address: dot-separated local part of letters, digits and `_ ' + -`, `@`, DNS labels,
 * a top-level domain of two or more letters. The pattern of the database's `users_email_check`.
 */
export const EMAIL = new RegExp(EMAIL_PATTERN);

/** Lowercase dotted identifier, as in audit event types: `api_key.created`, `agent.registered`. */
export const DOTTED_IDENTIFIER = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;

/** Narrows a string column to one of the formats above, naming the rule in the message. */
export function matching(pattern: RegExp, message: string): (text: z.ZodString) => z.ZodString {
  return (text) => text.regex(pattern, { message });
}
