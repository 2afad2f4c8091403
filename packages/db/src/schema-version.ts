// During an expand/contract rollout (pnpm db:generate splits a breaking change into an expand and a
// contract migration) the new application version reads and writes the new shape through the
// views of a version schema the expand creates, named after the expand; the contract drops it.

const EXPAND_TAG = /^\d{4}_[a-z0-9_]+$/;

/** The version schema an expand migration creates for the version built against it (`v_<tag>`). */
export function versionSchemaName(expandTag: string): string {
  if (!EXPAND_TAG.test(expandTag)) {
    throw new TypeError(
      `schemaVersion must be the tag of an expand migration (NNNN_name, lower case), got ${JSON.stringify(expandTag)}`,
    );
  }
  // PostgreSQL truncates identifiers to 63 bytes; truncating here keeps the name one can type.
  return `v_${expandTag}`.slice(0, 63);
}

/**
 * The server `options` that put the version schema first on the `search_path` of every
 * connection, so unqualified table names resolve to its views while it exists. Once the contract
 * drops it, PostgreSQL skips the missing schema and the same names resolve to the tables, which
 * then have the new shape.
 */
export function searchPathOption(expandTag: string): string {
  return `-c search_path=${versionSchemaName(expandTag)},public`;
}
