import { fileURLToPath } from "node:url";

/** Absolute path of the committed drizzle-kit migrations folder of this package. */
export const migrationsFolder = fileURLToPath(new URL("../migrations", import.meta.url));

/** Absolute path of `schema.sql`, the consolidated DDL the migrations produce (`pnpm db:refresh` writes it). */
export const schemaSqlFile = fileURLToPath(new URL("../schema.sql", import.meta.url));
