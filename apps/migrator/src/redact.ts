/** Replaces the password of every connection string in `text` with `***`. */
export function redact(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/?#@\s]*:)[^@\s]*@/gi, "$1***@");
}
