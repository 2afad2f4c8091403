import type { Database } from "@devtools-sync/db/client";
import { exportViolations, violationsQuery } from "@devtools-sync/db/queries";
import { PgDialect } from "drizzle-orm/pg-core";
import { to as copyTo } from "pg-copy-streams";

export interface ExportResult {
  groupAgents: number;
  rows: number;
  /** `exportViolations` (server-side cursor, 1,000 rows a FETCH) read to the end, less the forced collections. */
  exportSeconds: number;
  /** `COPY (the same query) TO STDOUT`, drained. */
  copySeconds: number;
  /** exportSeconds / copySeconds (goal ≤ 2). */
  ratio: number;
  /** The process's heap before and at most during the export: flat when memory is bounded. */
  heapBeforeMb: number;
  heapMaxMb: number;
  /** The heap every 10% of the rows, in MB. */
  heapSamplesMb: number[];
  /**
   * Whether each sample followed a forced garbage collection (node --expose-gc, as `pnpm bench`
   * runs): then a sample is the memory still in use, and flat samples show the export holds one
   * batch whatever the row count; without it they include garbage not yet collected.
   */
  heapAfterGc: boolean;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Streams the full violation list of group `groupId` both ways, measuring time and the process's heap. */
export async function benchExport(db: Database, groupId: string, groupAgents: number): Promise<ExportResult> {
  const query = new PgDialect().sqlToQuery(violationsQuery(groupId).inlineParams());
  const client = await db.$client.connect();
  let copySeconds: number;
  let copyRows = 0;
  try {
    const started = performance.now();
    const stream = client.query(copyTo(`COPY (${query.sql}) TO STDOUT`));
    for await (const chunk of stream as AsyncIterable<Buffer>) for (const byte of chunk) if (byte === 10) copyRows++;
    copySeconds = (performance.now() - started) / 1000;
  } finally {
    client.release();
  }
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapMax = heapBefore;
  const samples: number[] = [];
  let rows = 0;
  let collectingMs = 0;
  const started = performance.now();
  await db.transaction(async (tx) => {
    for await (const _ of exportViolations(tx, groupId)) {
      rows++;
      if (rows % 1000 === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
      if (rows % Math.max(1, Math.floor(copyRows / 10)) === 0) {
        const collecting = performance.now();
        global.gc?.();
        collectingMs += performance.now() - collecting;
        samples.push(mb(process.memoryUsage().heapUsed));
      }
    }
  });
  // The forced collections are the measurement's, not the export's.
  const exportSeconds = (performance.now() - started - collectingMs) / 1000;
  if (rows !== copyRows) throw new Error(`the export streamed ${rows} violations, COPY of the same query ${copyRows}`);
  return {
    groupAgents,
    rows,
    exportSeconds: Math.round(exportSeconds * 1000) / 1000,
    copySeconds: Math.round(copySeconds * 1000) / 1000,
    ratio: Math.round((100 * exportSeconds) / copySeconds) / 100,
    heapBeforeMb: mb(heapBefore),
    heapMaxMb: mb(heapMax),
    heapSamplesMb: samples,
    heapAfterGc: global.gc !== undefined,
  };
}
