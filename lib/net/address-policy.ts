import { isIPv4, isIPv6 } from "node:net";

/**
 * Which IP addresses the server may call a provider on (docs/architecture.md,
 * "API conventions"; INSECURE_OAUTH_HOSTS). Pure: no DNS, no I/O. The caller
 * resolves a host once, classifies every address with classifyAddress(), and
 * connects only to an address it checked.
 *
 * Only globally routable unicast addresses are allowed. Everything else is
 * blocked: loopback, private, link-local (with the cloud metadata address),
 * shared CGNAT space, unspecified, multicast, broadcast, documentation,
 * benchmarking and reserved ranges, and IPv6 forms that embed one of those
 * (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16).
 */

export type AddressKind =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "shared"
  | "unspecified"
  | "multicast"
  | "broadcast"
  | "documentation"
  | "reserved"
  | "invalid";

export interface AddressClassification {
  /** The address in canonical text form (IPv6 without zone, lower case). */
  address: string;
  family: 4 | 6 | 0;
  kind: AddressKind;
  /** True only for kind "public". */
  allowed: boolean;
  /** Plain words for messages, e.g. "a private address". */
  description: string;
}

const DESCRIPTIONS: Record<AddressKind, string> = {
  public: "a public address",
  loopback: "a loopback address",
  private: "a private address",
  "link-local": "a link-local address",
  shared: "a shared (carrier-grade NAT) address",
  unspecified: "an unspecified address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  documentation: "a documentation address",
  reserved: "a reserved address",
  invalid: "not an IP address",
};

interface Range4 {
  base: number;
  prefix: number;
  kind: AddressKind;
  note?: string;
}

// Most specific first: the first match wins.
const IPV4_RANGES: Range4[] = [
  { base: ipv4ToNumber("0.0.0.0"), prefix: 32, kind: "unspecified" },
  { base: ipv4ToNumber("0.0.0.0"), prefix: 8, kind: "unspecified", note: "the \"this network\" range 0.0.0.0/8" },
  { base: ipv4ToNumber("10.0.0.0"), prefix: 8, kind: "private" },
  { base: ipv4ToNumber("100.64.0.0"), prefix: 10, kind: "shared" },
  { base: ipv4ToNumber("127.0.0.0"), prefix: 8, kind: "loopback" },
  { base: ipv4ToNumber("169.254.169.254"), prefix: 32, kind: "link-local", note: "the cloud metadata address" },
  { base: ipv4ToNumber("169.254.0.0"), prefix: 16, kind: "link-local" },
  { base: ipv4ToNumber("172.16.0.0"), prefix: 12, kind: "private" },
  { base: ipv4ToNumber("192.0.0.0"), prefix: 24, kind: "reserved", note: "IETF protocol assignments" },
  { base: ipv4ToNumber("192.0.2.0"), prefix: 24, kind: "documentation" },
  { base: ipv4ToNumber("192.88.99.0"), prefix: 24, kind: "reserved", note: "6to4 relay anycast" },
  { base: ipv4ToNumber("192.168.0.0"), prefix: 16, kind: "private" },
  { base: ipv4ToNumber("198.18.0.0"), prefix: 15, kind: "reserved", note: "benchmarking" },
  { base: ipv4ToNumber("198.51.100.0"), prefix: 24, kind: "documentation" },
  { base: ipv4ToNumber("203.0.113.0"), prefix: 24, kind: "documentation" },
  { base: ipv4ToNumber("224.0.0.0"), prefix: 4, kind: "multicast" },
  { base: ipv4ToNumber("255.255.255.255"), prefix: 32, kind: "broadcast" },
  { base: ipv4ToNumber("240.0.0.0"), prefix: 4, kind: "reserved" },
];

type Bytes16 = number[];

interface Range6 {
  prefix: Bytes16;
  length: number;
  /** A fixed kind, or "embedded": classify the IPv4 address the form carries. */
  kind: AddressKind | "embedded-last32" | "embedded-6to4";
  note?: string;
}

const IPV6_RANGES: Range6[] = [
  { prefix: ipv6ToBytes("::"), length: 128, kind: "unspecified" },
  { prefix: ipv6ToBytes("::1"), length: 128, kind: "loopback" },
  { prefix: ipv6ToBytes("::ffff:0:0"), length: 96, kind: "embedded-last32", note: "IPv4-mapped" },
  { prefix: ipv6ToBytes("64:ff9b::"), length: 96, kind: "embedded-last32", note: "NAT64" },
  { prefix: ipv6ToBytes("64:ff9b:1::"), length: 48, kind: "private", note: "local-use NAT64" },
  { prefix: ipv6ToBytes("::ffff:0:0:0"), length: 96, kind: "reserved", note: "IPv4-translated" },
  { prefix: ipv6ToBytes("::"), length: 96, kind: "reserved", note: "IPv4-compatible (deprecated)" },
  { prefix: ipv6ToBytes("100::"), length: 64, kind: "reserved", note: "discard-only" },
  { prefix: ipv6ToBytes("2001:db8::"), length: 32, kind: "documentation" },
  { prefix: ipv6ToBytes("2001::"), length: 23, kind: "reserved", note: "IETF special purpose, Teredo included" },
  { prefix: ipv6ToBytes("2002::"), length: 16, kind: "embedded-6to4", note: "6to4" },
  { prefix: ipv6ToBytes("3fff::"), length: 20, kind: "documentation" },
  { prefix: ipv6ToBytes("5f00::"), length: 16, kind: "reserved", note: "SRv6" },
  { prefix: ipv6ToBytes("fc00::"), length: 7, kind: "private", note: "unique local" },
  { prefix: ipv6ToBytes("fec0::"), length: 10, kind: "private", note: "site-local (deprecated)" },
  { prefix: ipv6ToBytes("fe80::"), length: 10, kind: "link-local" },
  { prefix: ipv6ToBytes("ff00::"), length: 8, kind: "multicast" },
];

/** Global unicast: 2000::/3. What is outside it and not listed above is reserved. */
const IPV6_GLOBAL_UNICAST: Range6 = { prefix: ipv6ToBytes("2000::"), length: 3, kind: "public" };

/** Classifies one IP address (v4 or v6, an IPv6 zone suffix is ignored). */
export function classifyAddress(input: string): AddressClassification {
  const text = stripBrackets(input.trim());
  if (isIPv4(text)) return classifyIPv4(text);
  const withoutZone = text.split("%")[0] ?? "";
  if (isIPv6(withoutZone)) return classifyIPv6(withoutZone);
  return { address: text, family: 0, kind: "invalid", allowed: false, description: DESCRIPTIONS.invalid };
}

/** True when the address may be called without being listed in INSECURE_OAUTH_HOSTS. */
export function isPublicAddress(address: string): boolean {
  return classifyAddress(address).allowed;
}

function classifyIPv4(text: string): AddressClassification {
  const value = ipv4ToNumber(text);
  for (const range of IPV4_RANGES) {
    if (inIPv4Range(value, range)) {
      return {
        address: text,
        family: 4,
        kind: range.kind,
        allowed: false,
        description: describe(range.kind, range.note),
      };
    }
  }
  return { address: text, family: 4, kind: "public", allowed: true, description: DESCRIPTIONS.public };
}

function classifyIPv6(text: string): AddressClassification {
  const bytes = ipv6ToBytes(text);
  const address = bytesToIPv6(bytes);
  for (const range of IPV6_RANGES) {
    if (!inIPv6Range(bytes, range)) continue;
    if (range.kind === "embedded-last32" || range.kind === "embedded-6to4") {
      const start = range.kind === "embedded-last32" ? 12 : 2;
      const embedded = bytes.slice(start, start + 4).join(".");
      const inner = classifyIPv4(embedded);
      return {
        address,
        family: 6,
        kind: inner.kind,
        allowed: inner.allowed,
        description: `the ${range.note} IPv6 form of ${embedded}, ${inner.description}`,
      };
    }
    return { address, family: 6, kind: range.kind, allowed: false, description: describe(range.kind, range.note) };
  }
  if (inIPv6Range(bytes, IPV6_GLOBAL_UNICAST)) {
    return { address, family: 6, kind: "public", allowed: true, description: DESCRIPTIONS.public };
  }
  return {
    address,
    family: 6,
    kind: "reserved",
    allowed: false,
    description: describe("reserved", "outside global unicast 2000::/3"),
  };
}

function describe(kind: AddressKind, note?: string): string {
  return note ? `${DESCRIPTIONS[kind]} (${note})` : DESCRIPTIONS[kind];
}

export function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function ipv4ToNumber(text: string): number {
  const parts = text.split(".").map(Number);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

function inIPv4Range(value: number, range: Range4): boolean {
  const mask = range.prefix === 0 ? 0 : (0xffffffff << (32 - range.prefix)) >>> 0;
  return ((value & mask) >>> 0) === ((range.base & mask) >>> 0);
}

/** Expands a valid IPv6 text (no zone) to 16 bytes; handles "::" and a trailing dotted quad. */
function ipv6ToBytes(text: string): Bytes16 {
  let body = text.toLowerCase();
  let tail: number[] = [];
  const lastColon = body.lastIndexOf(":");
  const last = body.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = ipv4ToNumber(last);
    tail = [(v4 >>> 16) & 0xffff, v4 & 0xffff];
    body = body.slice(0, lastColon + 1);
    if (!body.endsWith("::")) body = body.slice(0, -1);
  }
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => parseInt(group, 16)));
  const halves = body.split("::");
  const head = parse(halves[0] ?? "");
  const groups =
    halves.length > 1
      ? (() => {
          const rest = parse(halves[1] ?? "");
          const zeros = 8 - head.length - rest.length - tail.length;
          return [...head, ...new Array<number>(Math.max(0, zeros)).fill(0), ...rest, ...tail];
        })()
      : [...head, ...tail];
  const bytes: Bytes16 = [];
  for (const group of groups.slice(0, 8)) bytes.push((group >> 8) & 0xff, group & 0xff);
  while (bytes.length < 16) bytes.push(0);
  return bytes;
}

function bytesToIPv6(bytes: Bytes16): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // Longest run of two or more zero groups becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const left = hex.slice(0, bestStart).join(":");
  const right = hex.slice(bestStart + bestLength).join(":");
  return `${left}::${right}`;
}

function inIPv6Range(bytes: Bytes16, range: Range6): boolean {
  let bits = range.length;
  for (let i = 0; i < 16 && bits > 0; i += 1) {
    const take = Math.min(8, bits);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((range.prefix[i] ?? 0) & mask)) return false;
    bits -= take;
  }
  return true;
}
