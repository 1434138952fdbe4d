import { describe, expect, it } from "vitest";
import { resolveClientAddress, trustedProxies } from "#lib/web/client-address";
import { securityHeaders } from "#lib/web/security-headers";
import { parseEnv } from "#lib/env";

describe("the client address", () => {
  const none = trustedProxies([]);
  const proxies = trustedProxies(["10.0.0.0/8", "127.0.0.1", "fd00::/8"]);

  it.each([
    ["the socket's peer when nobody is trusted, whatever X-Forwarded-For says", "203.0.113.9", "198.51.100.1", none, "203.0.113.9"],
    ["the socket's peer when it is not a trusted proxy", "203.0.113.9", "198.51.100.1", proxies, "203.0.113.9"],
    ["the hop a trusted proxy names", "10.1.2.3", "198.51.100.7", proxies, "198.51.100.7"],
    ["the first hop from the right that is not a trusted proxy", "127.0.0.1", "198.51.100.7, 203.0.113.50, 10.9.9.9", proxies, "203.0.113.50"],
    ["a forged left-most entry is never reached past an untrusted hop", "10.0.0.1", "1.2.3.4, 203.0.113.50", proxies, "203.0.113.50"],
    ["the proxy itself when it forwards no address", "10.1.2.3", undefined, proxies, "10.1.2.3"],
    ["the last trusted proxy when every hop is a proxy", "127.0.0.1", "10.0.0.2", proxies, "10.0.0.2"],
    ["an IPv4 peer on a dual-stack socket, in plain form", "::ffff:203.0.113.9", undefined, none, "203.0.113.9"],
    ["a trusted IPv6 proxy's hop", "fd00::1", "2001:db8::5", proxies, "2001:db8::5"],
    ["the trusted proxy when its header holds no address", "10.1.2.3", "not-an-address, unknown", proxies, "10.1.2.3"],
  ])("is %s", (_what, peer, forwardedFor, trusted, expected) => {
    expect(resolveClientAddress(peer, forwardedFor, trusted)).toBe(expected);
  });

  it("accepts addresses and CIDR networks in TRUSTED_PROXIES and names a bad entry", () => {
    expect(parseEnv({ TRUSTED_PROXIES: "10.0.0.0/8, 127.0.0.1, ::1, fd00::/8" }).TRUSTED_PROXIES).toEqual(["10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8"]);
    expect(parseEnv({}).TRUSTED_PROXIES).toEqual([]);
    for (const bad of ["proxy.example.com", "10.0.0.0/33", "10.0.0.0/8/1", "::1/129"]) {
      expect(() => parseEnv({ TRUSTED_PROXIES: bad })).toThrow(/TRUSTED_PROXIES/);
    }
  });
});

describe("the security headers", () => {
  it("allow no framing, sniffing or referrers, on pages and API answers alike", () => {
    for (const headers of [securityHeaders({ https: false, nonce: "abc" }), securityHeaders({ https: false })]) {
      expect(headers["X-Frame-Options"]).toBe("DENY");
      expect(headers["X-Content-Type-Options"]).toBe("nosniff");
      expect(headers["Referrer-Policy"]).toBe("no-referrer");
      expect(headers["Content-Security-Policy"]).toContain("frame-ancestors 'none'");
      expect(headers["Strict-Transport-Security"]).toBeUndefined();
    }
  });

  it("give pages scripts by nonce only, and API answers nothing at all", () => {
    const page = securityHeaders({ https: false, nonce: "n0nce" })["Content-Security-Policy"];
    expect(page).toContain("script-src 'self' 'nonce-n0nce' 'strict-dynamic'");
    expect(page).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(securityHeaders({ https: false })["Content-Security-Policy"]).toMatch(/^default-src 'none'/);
  });

  it("add HSTS and upgrade-insecure-requests when the app is served over https", () => {
    const headers = securityHeaders({ https: true, nonce: "n" });
    expect(headers["Strict-Transport-Security"]).toMatch(/^max-age=31536000/);
    expect(headers["Content-Security-Policy"]).toContain("upgrade-insecure-requests");
  });
});
