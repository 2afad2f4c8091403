export { createTestDatabase, databaseUrl, type TestDatabase, testServerUrl, withClient } from "./test-database";
