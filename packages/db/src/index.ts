// The package root: tables, value lists and row types, with no database driver loaded.
// Import `@devtools-sync/db/client` for a connection.
export * from "./schema";
export type * from "./types";
