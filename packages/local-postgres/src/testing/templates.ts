import { withClient } from "../connection";

// Template databases are named by the test run that built them (global-setup.ts makes the run's id),
// so a run on a TEST_DATABASE_URL server never copies one that older code built.

/** The name of the run's template database for `key`. */
export function templateName(runId: string, key: string): string {
  const name = `template_${runId}_${key}`;
  if (!/^\w{1,63}$/.test(name)) throw new Error(`template database name ${name} is not a short identifier`);
  return name;
}

/** Drops the run's template databases (on a TEST_DATABASE_URL server, which outlives the run). */
export async function dropTemplates(serverUrl: string, runId: string): Promise<void> {
  await withClient(serverUrl, async (client) => {
    const { rows } = await client.query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [
      templateName(runId, ""),
    ]);
    for (const { datname } of rows) {
      await client.query(`ALTER DATABASE "${datname}" WITH IS_TEMPLATE false`);
      await client.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
    }
  });
}
