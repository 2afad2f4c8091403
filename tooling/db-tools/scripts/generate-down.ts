// pnpm db:generate-down <tag>...: writes the down migration of migrations that have none (one
// generated with drizzle-kit directly, say), as pnpm db:generate would have. Never overwrites.
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { migrationsFolder } from "@devtools-sync/db/migrations";
import { writeDownMigrations } from "./down-migration";

const folder = process.env.MIGRATIONS_DIR ?? migrationsFolder;
const tags = process.argv.slice(2);
if (tags.length === 0) {
  console.error("Usage: pnpm db:generate-down <migration tag>... (e.g. 0005_add_widgets)");
  process.exit(2);
}
const existing = tags.filter((tag) => existsSync(join(folder, `${tag}.down.sql`)));
if (existing.length > 0) {
  console.error(
    `Already written (delete a file to have it generated again): ${existing.map((tag) => `${tag}.down.sql`).join(", ")}`,
  );
  process.exit(2);
}
try {
  for (const path of await writeDownMigrations(folder, tags))
    console.log(`Down migration: ${relative(process.cwd(), path)}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
