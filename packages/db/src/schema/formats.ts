// Formats the CHECK constraints demand, written once as POSIX regular expressions that mean the
// same in PostgreSQL (`~`) and in JavaScript (`new RegExp`): anchored, ASCII classes, no
// lookaround, and inside brackets only the character escapes both read alike (\t, \uXXXX).
// @devtools-sync/api-types validates with the same strings.

/**
 * `users.email`: a dot-separated local part of letters, digits and `_ ' + -` (no leading,
 * trailing or doubled dot), `@`, then DNS labels (letters, digits, inner hyphens) ending in a
 * top-level domain of two or more letters: `ada@example.com`, `o'brien+ci@mail.example.co.uk`.
 * No quoted local parts, IP literals or non-ASCII addresses: a practical subset of RFC 5321.
 */
export const EMAIL_PATTERN =
  "^[A-Za-z0-9_'+-]+(\\.[A-Za-z0-9_'+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z]{2,}$";

/**
 * An extension id `publisher.name`, exactly VS Code's `EXTENSION_IDENTIFIER_PATTERN`
 * (`ms-python.python`, `esbenp.prettier-vscode`, `GitHub.copilot`).
 */
export const EXTENSION_ID_PATTERN = "^[a-zA-Z0-9][a-zA-Z0-9-]*\\.[a-zA-Z0-9][a-zA-Z0-9-]*$";

/** Characters of a raw API key stored (and shown) to recognise it: `key_prefix`. */
export const API_KEY_PREFIX_LENGTH = 8;

/** `api_keys.key_prefix`: the first {@link API_KEY_PREFIX_LENGTH} characters of a raw (URL-safe) key. */
export const KEY_PREFIX_PATTERN = `^[A-Za-z0-9_-]{${API_KEY_PREFIX_LENGTH}}$`;

/**
 * A name is not blank when it holds one character that is not white space, as JavaScript's `trim()`
 * and `\s` know it (ECMAScript WhiteSpace and LineTerminator): tab, line feed, vertical tab, form
 * feed, carriage return, space, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F,
 * U+3000, U+FEFF. Unanchored on purpose: it finds that one character. Written as escapes, which
 * PostgreSQL's advanced regular expressions and JavaScript read the same inside brackets.
 */
export const NOT_BLANK_PATTERN =
  "[^\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]";
