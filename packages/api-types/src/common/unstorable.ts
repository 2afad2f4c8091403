// What PostgreSQL cannot store unchanged, shared by the text and JSON rules (not exported by the package).

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * True when PostgreSQL cannot store `value` unchanged: it holds U+0000 (refused in text and
 * jsonb) or a lone surrogate (which the driver's UTF-8 encoding turns into U+FFFD).
 */
export function isUnstorable(value: string): boolean {
  return value.includes("\0") || LONE_SURROGATE.test(value);
}
