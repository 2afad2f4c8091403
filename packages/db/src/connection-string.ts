import { accessSync, constants } from "node:fs";

/** The `sslmode` values that mean with the Node.js driver what they mean in libpq. */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

/**
 * `url` with its `sslmode` honoured as PostgreSQL documents it: `require` encrypts without
 * checking the certificate (against `sslrootcert` when given), `verify-ca` checks it against
 * `sslrootcert`, `verify-full` also checks the host name, `disable` sends plaintext. `pg` by
 * default treats `require` and `verify-ca` as `verify-full` (and warns on stderr); its
 * `uselibpqcompat=true` gives the libpq meaning, so it is added here. `prefer` and `allow` are
 * refused: the driver cannot fall back to plaintext, so they cannot mean what they say. So are
 * `verify-ca` without `sslrootcert`, and certificate or key files that cannot be read.
 * Throws a TypeError naming the problem, never the URL (it holds the password).
 */
export function honourSslMode(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url; // not a URL: pg reports that itself, and callers validate it first
  }
  const mode = parsed.searchParams.get("sslmode");
  if (mode === null) return url;
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    const fallback = mode === "prefer" || mode === "allow" ? " (the Node.js driver cannot fall back to plaintext)" : "";
    throw new TypeError(
      `sslmode=${mode} is not supported${fallback}: use disable, require (TLS without certificate checks), verify-ca or verify-full`,
    );
  }
  if (mode === "verify-ca" && !parsed.searchParams.get("sslrootcert")) {
    throw new TypeError("sslmode=verify-ca needs sslrootcert=<CA certificate file> (or use verify-full)");
  }
  for (const parameter of ["sslrootcert", "sslcert", "sslkey"]) {
    const file = parsed.searchParams.get(parameter);
    if (!file) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw new TypeError(`${parameter} file ${file} cannot be read`);
    }
  }
  if (!parsed.searchParams.has("uselibpqcompat")) parsed.searchParams.set("uselibpqcompat", "true");
  return parsed.toString();
}
