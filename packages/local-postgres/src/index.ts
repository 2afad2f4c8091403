export { databaseUrl, withClient } from "./connection";
export { type LocalPostgres, type LocalPostgresOptions, startLocalPostgres } from "./server";
export { startThrowawayPostgres, type ThrowawayPostgres } from "./throwaway";
