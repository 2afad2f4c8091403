// `pnpm db:refresh`: rewrites the files derived from the migrations and the schema, after
// `pnpm db:generate` (and after reviewing or hand-writing the new migration):
//   migrations/SHA256SUMS       the checksum of each new migration (`--rehash <name>` re-records one)
//   schema.sql                  the consolidated DDL, dumped from a throwaway database the migrations built
//   docs/database-diagram.md    the Mermaid ER diagram of src/schema
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { migrationsFolder, schemaSqlFile } from "@devtools-sync/db/migrations";
import * as schema from "@devtools-sync/db/schema";
import { startThrowawayPostgres } from "@devtools-sync/local-postgres";
import { readMigrations } from "@devtools-sync/migrate-core";
import pg from "pg";
import { CHECKSUMS_FILE, formatChecksums, parseChecksums, recordChecksums } from "../src/artifacts/checksums";
import { diagramFile, renderDiagram } from "../src/artifacts/diagram";
import { consolidatedSchema } from "../src/artifacts/schema-sql";

const { values } = parseArgs({ options: { rehash: { type: "string", multiple: true, default: [] } } });

try {
  const checksumsFile = join(migrationsFolder, CHECKSUMS_FILE);
  const recorded = parseChecksums(await readFile(checksumsFile, "utf8").catch(() => ""));
  const migrations = await readMigrations(migrationsFolder);
  await writeFile(checksumsFile, formatChecksums(recordChecksums(migrations, recorded, values.rehash)));
  await writeFile(diagramFile, renderDiagram(schema));
  const server = await startThrowawayPostgres();
  const client = new pg.Client({ connectionString: server.url });
  try {
    await client.connect();
    await writeFile(schemaSqlFile, await consolidatedSchema(client));
  } finally {
    await client.end();
    await server.stop();
  }
  console.log(`wrote migrations/${CHECKSUMS_FILE}, schema.sql and docs/database-diagram.md`);
} catch (error) {
  console.error(`pnpm db:refresh failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
