import { createTestDatabase, type TestDatabase, withClient } from "@devtools-sync/local-postgres/testing";
import { migrate } from "@devtools-sync/migrate-core";
import { migrationsFolder } from "./migrations";

/** A fresh database for one test file with every committed migration applied. */
export async function createMigratedTestDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  await withClient(database.url, (client) => migrate({ client, folder: migrationsFolder }));
  return database;
}
