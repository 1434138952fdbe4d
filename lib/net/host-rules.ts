import { isIPv6 } from "node:net";
import { stripBrackets } from "./address-policy";

/**
 * Host-name rules for INSECURE_OAUTH_HOSTS and NO_PROXY. Pure, no I/O.
 * Host names are compared lower case; IPv6 literals in canonical form
 * (as the WHATWG URL parser writes them), without brackets.
 */

/** Lower case, brackets removed, IPv6 literals written the way `new URL()` writes them. */
export function normalizeHost(host: string): string {
  const bare = stripBrackets(host.trim().toLowerCase());
  if (isIPv6(bare)) {
    try {
      return stripBrackets(new URL(`http://[${bare}]/`).hostname);
    } catch {
      return bare;
    }
  }
  return bare;
}

/**
 * True when `hostname` is listed in INSECURE_OAUTH_HOSTS: an exact,
 * case-insensitive match of the host name or IP literal. An entry with a port
 * ("localhost:8080") matches that port only. No wildcards, no suffixes: a
 * listed host may be reached over plain http and on private addresses.
 */
export function isInsecureHost(hostname: string, port: number, insecureHosts: readonly string[]): boolean {
  const host = normalizeHost(hostname);
  return insecureHosts.some((entry) => {
    const parsed = splitHostPort(entry);
    if (parsed.host === "") return false;
    return parsed.host === host && (parsed.port === undefined || parsed.port === port);
  });
}

/**
 * True when NO_PROXY says to connect to `hostname` directly: `*` matches
 * every host; `example.com` and `.example.com` both match example.com and
 * every sub-domain of it; an IP literal matches itself; an entry with a port
 * matches that port only. CIDR ranges are not supported (the entry matches
 * nothing).
 */
export function matchesNoProxy(hostname: string, port: number, noProxy: readonly string[]): boolean {
  const host = normalizeHost(hostname);
  return noProxy.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (entry === "*") return true;
    const parsed = splitHostPort(entry);
    if (parsed.port !== undefined && parsed.port !== port) return false;
    const domain = parsed.host.replace(/^\*?\./, "");
    if (domain === "") return false;
    return host === domain || host.endsWith(`.${domain}`);
  });
}

/** "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 literal. */
function splitHostPort(entry: string): { host: string; port?: number } {
  const text = entry.trim().toLowerCase();
  if (isIPv6(text)) return { host: normalizeHost(text) };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    return { host: normalizeHost(bracketed[1] ?? ""), port: bracketed[2] ? Number(bracketed[2]) : undefined };
  }
  const withPort = /^([^:]+):(\d+)$/.exec(text);
  if (withPort) return { host: withPort[1] ?? "", port: Number(withPort[2]) };
  return { host: text };
}
