import { describe, expect, it } from "vitest";
import { withClient } from "./connection";
import { defaultMajor, majorFrom, postgresMajors } from "./majors";
import { startThrowawayPostgres } from "./throwaway";

describe("the npm-shipped PostgreSQL majors", () => {
  // The default major (17) starts for every test run already.
  const others = postgresMajors.filter((major) => major !== defaultMajor);

  it.each(others)(
    "starts PostgreSQL %i when asked, from npm binaries alone",
    async (major) => {
      const server = await startThrowawayPostgres({ major });
      try {
        const { rows } = await withClient(server.url, (client) => client.query("SHOW server_version_num"));
        expect(Math.floor(Number(rows[0].server_version_num) / 10_000)).toBe(major);
      } finally {
        await server.stop();
      }
    },
    120_000,
  );

  it("reads TEST_PG_MAJOR: unset or empty is 17, anything but 14 to 18 is refused in one line", () => {
    expect(majorFrom(undefined, "TEST_PG_MAJOR")).toBe(defaultMajor);
    expect(majorFrom("", "TEST_PG_MAJOR")).toBe(17);
    expect(majorFrom("18", "TEST_PG_MAJOR")).toBe(18);
    for (const bad of ["13", "19", "17.2", "latest"]) {
      expect(() => majorFrom(bad, "TEST_PG_MAJOR")).toThrow(
        `TEST_PG_MAJOR=${bad} is not a PostgreSQL major the harness can start: use one of 14, 15, 16, 17, 18.`,
      );
    }
  });
});
