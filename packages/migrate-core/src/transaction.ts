import type pg from "pg";

/**
 * Runs `work` in a transaction on `client`: committed when it returns, rolled back when it throws
 * (the error passes on unchanged).
 */
export async function inTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
