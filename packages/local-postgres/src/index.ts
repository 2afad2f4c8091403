export { type LocalPostgres, type LocalPostgresOptions, startLocalPostgres } from "./server";
