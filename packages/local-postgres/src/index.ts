export { databaseUrl, withClient } from "./connection";
export { defaultMajor, majorFrom, type PostgresMajor, postgresMajors } from "./majors";
export { type LocalPostgres, type LocalPostgresOptions, startLocalPostgres } from "./server";
export { startThrowawayPostgres, type ThrowawayPostgres } from "./throwaway";
