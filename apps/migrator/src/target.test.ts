import { afterEach, describe, expect, it } from "vitest";
import { onDatabase, parseTarget } from "./target";

// The target is read once, as the driver will read it: the host shown and judged (local or not)
// is the one the connection really goes to.

const pghost = process.env.PGHOST;
afterEach(() => {
  if (pghost === undefined) delete process.env.PGHOST;
  else process.env.PGHOST = pghost;
});

describe("parseTarget", () => {
  it("names user, host, port and database, and shows them without the password", () => {
    const target = parseTarget("postgres://deploy:S3cret-pw@db.internal:6543/app");
    expect(target).toMatchObject({
      display: "deploy@db.internal:6543/app",
      user: "deploy",
      host: "db.internal",
      port: 6543,
      database: "app",
      local: false,
    });
    expect(target.display).not.toContain("S3cret-pw");
  });

  it("takes the host= parameter over the URL's host, as libpq and pg do", () => {
    expect(parseTarget("postgres://u@localhost/app_dev?host=db.example.com")).toMatchObject({
      host: "db.example.com",
      local: false,
    });
  });

  it("reads a socket directory given after an empty host (postgres://user:pw@/db?host=/dir) as local", () => {
    const target = parseTarget("postgres://u:pw@/app?host=/cloudsql/project:region:instance");
    expect(target).toMatchObject({ host: "/cloudsql/project:region:instance", database: "app", local: true });
    expect(target.url).toBe("postgres://u:pw@/app?host=/cloudsql/project:region:instance");
  });

  it("falls back to PGHOST when the URL names no host", () => {
    process.env.PGHOST = "replica.example.com";
    expect(parseTarget("postgres:///app")).toMatchObject({ host: "replica.example.com", local: false });
  });

  it.each([
    ["postgres://u@localhost/app", true],
    ["postgres://u@127.0.0.2/app", true],
    ["postgres://u@[::1]/app", true],
    ["postgres://u@10.0.0.5/app", false],
  ])("%s is local: %s", (url, local) => {
    expect(parseTarget(url).local).toBe(local);
  });

  it("refuses what is not a postgres:// URL, naming the problem and never the URL", () => {
    expect(() => parseTarget("mysql://root:TopSecret@db/app")).toThrow(/^the database URL starts with mysql:\/\//);
    expect(() => parseTarget("not a url")).toThrow(/not a URL/);
    expect(() => parseTarget("postgres://u:TopSecret@db/app?sslmode=prefer")).toThrow(/sslmode=prefer/);
  });
});

describe("onDatabase", () => {
  it("keeps the server, role, password and parameters, socket URLs included, and changes only the database", () => {
    const tcp = onDatabase(parseTarget("postgres://deploy:S3cret@db.internal:6543/app?sslmode=require"), "postgres");
    expect(tcp).toMatchObject({ display: "deploy@db.internal:6543/postgres", database: "postgres" });
    expect(tcp.url).toContain("S3cret");
    const socket = onDatabase(parseTarget("postgres://deploy:pw@/app?host=/var/run/postgresql"), "postgres");
    expect(socket).toMatchObject({ host: "/var/run/postgresql", database: "postgres", local: true });
  });
});
