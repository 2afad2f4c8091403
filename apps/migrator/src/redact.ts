/**
 * Replaces the password of every connection string in `text` with `***`: the `user:password@`
 * part, and a `password=` query parameter (which pg accepts too).
 */
export function redact(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/?#@\s]*:)[^@\s]*@/gi, "$1***@")
    .replace(/(postgres(?:ql)?:\/\/[^\s"'?#]*\?[^\s"'#]*?\bpassword=)[^&\s"'#]*/gi, "$1***");
}
