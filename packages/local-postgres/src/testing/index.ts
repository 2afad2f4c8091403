export { databaseUrl, withClient } from "../connection";
export { createTestDatabase, type TestDatabase, testServerUrl } from "./test-database";
