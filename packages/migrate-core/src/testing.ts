import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

// Fixture folders in drizzle-kit's layout, for tests and benches of anything that reads migrations.

/** One migration of a fixture folder. */
export interface FixtureMigration {
  tag: string;
  sql: string;
  /** Journal `when`; defaults to a fixed date plus one second per position. */
  when?: number;
  /** The down migration (`<tag>.down.sql`); none when absent. */
  down?: string;
}

/** Writes `migrations` into `folder` as drizzle-kit would (replacing any `.sql` there); returns `folder`. */
export async function writeMigrationsFolder(folder: string, migrations: FixtureMigration[]): Promise<string> {
  await mkdir(join(folder, "meta"), { recursive: true });
  for (const file of await readdir(folder)) {
    if (file.endsWith(".sql")) await rm(join(folder, file));
  }
  const entries = migrations.map((migration, idx) => ({
    idx,
    version: "7",
    when: migration.when ?? 1_700_000_000_000 + idx * 1_000,
    tag: migration.tag,
    breakpoints: true,
  }));
  await writeFile(
    join(folder, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries }, null, 2),
  );
  for (const migration of migrations) {
    await writeFile(join(folder, `${migration.tag}.sql`), migration.sql);
    if (migration.down !== undefined) await writeFile(join(folder, `${migration.tag}.down.sql`), migration.down);
  }
  return folder;
}
