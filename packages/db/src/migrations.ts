import { fileURLToPath } from "node:url";

/** Absolute path of the committed drizzle-kit migrations folder of this package. */
export const migrationsFolder = fileURLToPath(new URL("../migrations", import.meta.url));
