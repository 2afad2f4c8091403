import { createHash } from "node:crypto";

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same data on every machine. */
export function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for entity `index` of `kind`, so any one entity can be generated without the others. */
export function seedOf(kind: string, index: number): number {
  return createHash("md5").update(`${kind}:${index}`).digest().readUInt32LE(0);
}

/** A stable random-looking version-4 UUID for entity `index` of `kind`. */
export function uuidOf(kind: string, index: number): string {
  const bytes = createHash("md5").update(`uuid:${kind}:${index}`).digest();
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** An integer in [0, n). */
export function below(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** Index in [0, n) with a heavy head: popular items come first, as extension installs do. */
export function skewedBelow(random: () => number, n: number): number {
  return Math.floor(n * random() ** 3);
}
