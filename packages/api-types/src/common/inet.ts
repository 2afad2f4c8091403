import type { z } from "zod";

// IP addresses, as an `inet` column holds them.

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

function isIpv6(address: string): boolean {
  // A trailing dotted quad (`::ffff:10.0.0.1`, what Node reports for IPv4 peers on a dual-stack
  // socket) stands for the last two hextets.
  const lastColon = address.lastIndexOf(":");
  const tail = address.slice(lastColon + 1);
  const embedsIpv4 = tail.includes(".");
  if (embedsIpv4 && !IPV4.test(tail)) return false;
  const hextets = embedsIpv4 ? `${address.slice(0, lastColon + 1)}0:0` : address;
  const halves = hextets.split("::");
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  if (!groups.every((half) => half.every((group) => HEXTET.test(group)))) return false;
  const count = groups.reduce((sum, half) => sum + half.length, 0);
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** True for an IPv4 or IPv6 host address (no prefix, no zone), each of which `inet` accepts. */
export function isIpAddress(value: string): boolean {
  return IPV4.test(value) || (value.includes(":") && isIpv6(value));
}

/** Narrows an `inet` column to a host address: a client's IP, never a network (`10.0.0.0/8`). */
export function hostAddress(stored: z.ZodString): z.ZodString {
  return stored.refine(isIpAddress, { message: "must be an IPv4 or IPv6 address without a prefix" });
}

/** True for what an `inet` column can hold and returns: a host address, optionally with `/prefix`. */
export function isInet(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash === -1) return isIpAddress(value);
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(prefix) || !isIpAddress(address)) return false;
  return Number(prefix) <= (address.includes(":") ? 128 : 32);
}
