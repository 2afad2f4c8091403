/**
 * Validating a 500-entry report batch: the derived schema (drizzle-zod + this package's rules)
 * against a hand-written zod schema of the same shape, interleaved in one process.
 *
 *   pnpm --filter @devtools-sync/api-types bench      (or: npx tsx bench/report-batch.ts)
 *
 * The hand-written schema is what one would write without the database in mind: `.max()` in
 * UTF-16 units, no U+0000 / lone-surrogate checks. The derived one does more; this measures
 * what that costs.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { EXTENSION_ID, MAX_REPORT_BATCH, SHA256_HEX, submitReportsRequestSchema, VERSION } from "../src/index";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** A realistic batch: most extensions installed with a version and checksum, some not installed. */
function batch(size: number) {
  return {
    userHash: sha256("ada@example.com"),
    reports: Array.from({ length: size }, (_, index) =>
      index % 7 === 0
        ? { extensionId: `publisher-${index}.not-installed-${index}`, installed: false }
        : {
            extensionId: `publisher-${index % 97}.extension-name-${index}`,
            installed: true,
            installedVersion: `${index % 3}.${index % 40}.${index}`,
            extensionSha256: sha256(String(index)),
          },
    ),
  };
}

const handWrittenEntry = z
  .strictObject({
    extensionId: z.string().max(255).regex(EXTENSION_ID),
    installed: z.boolean(),
    installedVersion: z.string().max(50).regex(VERSION).nullish(),
    extensionSha256: z.string().max(64).regex(SHA256_HEX).nullish(),
  })
  .superRefine((entry, ctx) => {
    if (entry.installed) return;
    for (const field of ["installedVersion", "extensionSha256"] as const) {
      if (entry[field] != null)
        ctx.addIssue({ code: "custom", path: [field], message: "must be absent when not installed" });
    }
  });

const handWritten = z
  .strictObject({
    userHash: z.string().max(64).regex(SHA256_HEX),
    reports: z.array(handWrittenEntry).min(1).max(MAX_REPORT_BATCH),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.reports.forEach((entry, index) => {
      if (seen.has(entry.extensionId))
        ctx.addIssue({ code: "custom", path: ["reports", index, "extensionId"], message: "is reported twice" });
      seen.add(entry.extensionId);
    });
  });

const input = batch(MAX_REPORT_BATCH);
const contenders = { derived: submitReportsRequestSchema, "hand-written": handWritten } as const;
type Name = keyof typeof contenders;

// Both must agree on this input before their speed means anything.
for (const [name, schema] of Object.entries(contenders)) {
  const parsed = schema.parse(input);
  if (parsed.reports.length !== MAX_REPORT_BATCH) throw new Error(`${name} lost entries`);
}

const PARSES_PER_SAMPLE = 20;
const WARMUP_SAMPLES = 50;
const SAMPLES = 200;

/** Seconds taken by PARSES_PER_SAMPLE parses of the batch. */
function sample(name: Name): number {
  const schema = contenders[name];
  let entries = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < PARSES_PER_SAMPLE; i++) entries += schema.parse(input).reports.length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (entries !== PARSES_PER_SAMPLE * MAX_REPORT_BATCH) throw new Error("lost entries");
  return seconds;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const timings: Record<Name, number[]> = { derived: [], "hand-written": [] };
for (let round = 0; round < WARMUP_SAMPLES + SAMPLES; round++) {
  // Interleaved, alternating which goes first, so drift and JIT state hit both alike.
  const order: Name[] = round % 2 === 0 ? ["derived", "hand-written"] : ["hand-written", "derived"];
  for (const name of order) {
    const seconds = sample(name);
    if (round >= WARMUP_SAMPLES) timings[name].push(seconds);
  }
}

const entriesPerSecond = (name: Name) => (PARSES_PER_SAMPLE * MAX_REPORT_BATCH) / median(timings[name]);
const derived = entriesPerSecond("derived");
const handWrittenRate = entriesPerSecond("hand-written");
const ratio = handWrittenRate / derived;
const format = (rate: number) => `${Math.round(rate).toLocaleString("en-US")} entries/s`;

console.log(
  `${MAX_REPORT_BATCH}-entry report batch, median of ${SAMPLES} samples x ${PARSES_PER_SAMPLE} parses (after ${WARMUP_SAMPLES} warm-up samples)`,
);
console.log(`  derived       ${format(derived)}`);
console.log(`  hand-written  ${format(handWrittenRate)}`);
console.log(
  `  derived takes ${ratio.toFixed(2)}x the hand-written time (target: at most 1.20x) -> ${ratio <= 1.2 ? "within target" : "OVER TARGET"}`,
);
