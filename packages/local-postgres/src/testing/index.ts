export { databaseUrl, withClient } from "../connection";
export { type ClientTools, clientToolsFor } from "./client-tools";
export {
  createTestDatabase,
  createTestDatabaseFrom,
  type TestDatabase,
  testServerMajor,
  testServerUrl,
} from "./test-database";
