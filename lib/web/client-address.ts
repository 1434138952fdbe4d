import { BlockList, isIP } from "node:net";

/**
 * Who is on the other end of a request. The web server (serve-web-app.ts)
 * works it out from the socket and, only when the socket's peer is one of
 * TRUSTED_PROXIES, from the X-Forwarded-For the proxies appended; it then
 * sets this header on the request (a client's own value is replaced) and the
 * app reads it here. Anything else a client sends (X-Forwarded-For, Forwarded,
 * X-Real-IP) is never believed.
 */
export const CLIENT_ADDRESS_HEADER = "x-connected-apps-client-address";

/** TRUSTED_PROXIES entries: addresses ("10.0.0.5", "::1") and networks ("10.0.0.0/8"). */
export function trustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split("/");
    const family = isIP(address ?? "") === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(address!, family);
    else list.addSubnet(address!, Number(bits), family);
  }
  return list;
}

/** "::ffff:10.0.0.1" (an IPv4 client on a dual-stack socket) is 10.0.0.1. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** Whether an address (a socket's peer, a hop) is one of TRUSTED_PROXIES. */
export function isTrustedProxy(address: string, trusted: BlockList): boolean {
  const normal = plain(address);
  const version = isIP(normal);
  return version !== 0 && trusted.check(normal, version === 6 ? "ipv6" : "ipv4");
}

/**
 * The client's address: the socket's peer, or, while the hop in hand is a
 * trusted proxy, the address it says it was talking to (X-Forwarded-For read
 * from the right). The first hop that is not a trusted proxy is the client.
 */
export function resolveClientAddress(peer: string | undefined, forwardedFor: string | undefined, trusted: BlockList): string | undefined {
  if (!peer) return undefined;
  let client = plain(peer);
  const hops = (forwardedFor ?? "").split(",").map((hop) => plain(hop.trim())).filter((hop) => isIP(hop) !== 0);
  while (isTrustedProxy(client, trusted) && hops.length > 0) client = hops.pop()!;
  return client;
}

/** The client address the web server resolved for this request (null outside it, e.g. in a unit test). */
export function clientAddressOf(headers: { get(name: string): string | null }): string | null {
  return headers.get(CLIENT_ADDRESS_HEADER) || null;
}
