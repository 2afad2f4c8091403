// Tables are matched between the scratch database and the target by name (their OIDs differ):
// `users` for public tables, `schema.table` otherwise, quoted as SQL needs.

/** SQL giving the display name of the table (or index) `c` in namespace `n`. */
export const relationName = (c: string, n: string) =>
  `CASE WHEN ${n}.nspname = 'public' THEN quote_ident(${c}.relname) ELSE quote_ident(${n}.nspname) || '.' || quote_ident(${c}.relname) END`;
