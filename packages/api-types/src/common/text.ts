import { NOT_BLANK_PATTERN } from "@devtools-sync/db/schema";
import { z } from "zod";
import { isUnstorable } from "./unstorable";

// Text: what PostgreSQL stores unchanged, and lengths counted as `varchar(n)` counts them.

/** True when `value` has more than `max` code points, the unit in which `varchar(n)` counts. */
function exceedsCodePoints(value: string, max: number): boolean {
  if (value.length <= max) return false; // a code point takes at least one UTF-16 unit
  if (value.length > 2 * max) return true; // and at most two
  let count = 0;
  for (const _ of value) if (++count > max) return true;
  return false;
}

/** A check that `value` has at most `max` code points, reported as zod's own `too_big`. */
function maxCodePoints(max: number): z.core.CheckFn<string> {
  return (ctx) => {
    if (exceedsCodePoints(ctx.value, max)) {
      ctx.issues.push({
        code: "too_big",
        origin: "string",
        maximum: max,
        inclusive: true,
        input: ctx.value,
        message: `must be at most ${max} characters`,
      });
    }
  };
}

/**
 * A string PostgreSQL stores and returns unchanged: no U+0000, no lone surrogate and, when `max`
 * is given, at most `max` characters counted as `varchar(n)` counts them (code points, so 255
 * emoji fit a `varchar(255)` although their JavaScript `.length` is 510).
 */
export function storableText(max?: number): z.ZodString {
  const tooLong = max === undefined ? undefined : maxCodePoints(max);
  // One check for both rules: validating a 500-entry batch calls it 1 500 times.
  return z.string().check((ctx) => {
    if (isUnstorable(ctx.value)) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: "must not contain U+0000 or unpaired surrogates (PostgreSQL cannot store them unchanged)",
      });
    }
    tooLong?.(ctx);
  });
}

/** Longest free text (descriptions, reasons) the API takes, though `text` columns hold far more. */
export const MAX_FREE_TEXT = 10_000;

/** Free text: at most {@link MAX_FREE_TEXT} characters, line breaks allowed. */
export function freeText(text: z.ZodString): z.ZodString {
  return text.check(maxCodePoints(MAX_FREE_TEXT));
}

const CONTROL = /\p{Cc}/u;

/** Text on one line: no control characters (tabs and line breaks included). */
export function withoutControlCharacters(text: z.ZodString): z.ZodString {
  return text.refine((value) => !CONTROL.test(value), {
    message: "must not contain control characters or line breaks",
  });
}

/**
 * Not blank as the database's `*_name_check` constraints say it (`NOT_BLANK_PATTERN`): a character
 * that is not white space (what `trim()` strips: tabs, line breaks, Unicode spaces). Their twin, so
 * select schemas refuse what PostgreSQL refuses; the API's {@link singleLine} asks more.
 */
export function notBlank(stored: z.ZodString): z.ZodString {
  return stored.refine((value) => NOT_BLANK.test(value), { message: "must not be empty or only white space" });
}

const NOT_BLANK = new RegExp(NOT_BLANK_PATTERN);

/** A name shown on one line: not blank, no surrounding white space, no control characters. */
export function singleLine(text: z.ZodString): z.ZodString {
  return withoutControlCharacters(
    text
      .refine((value) => value.trim().length > 0, { message: "must not be blank" })
      .refine((value) => value.trim() === value, { message: "must not start or end with white space" }),
  );
}
