import { describe, expect, it } from "vitest";
import { classifyAddress, isPublicAddress, type AddressKind } from "#lib/net/address-policy";
import { isInsecureHost, matchesNoProxy, normalizeHost } from "#lib/net/host-rules";

describe("classifyAddress: IPv4", () => {
  const blocked: [string, AddressKind][] = [
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.5", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.0.1", "link-local"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "shared"],
    ["100.127.255.255", "shared"],
    ["100.100.100.200", "shared"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.10", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.200", "documentation"],
    ["198.18.0.1", "reserved"],
    ["198.19.255.255", "reserved"],
    ["192.88.99.1", "reserved"],
  ];
  it.each(blocked)("blocks %s as %s", (address, kind) => {
    const verdict = classifyAddress(address);
    expect(verdict).toMatchObject({ family: 4, kind, allowed: false });
    expect(isPublicAddress(address)).toBe(false);
  });

  const allowed = ["8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0",
    "169.253.255.255", "192.167.255.255", "192.169.0.0", "11.0.0.1", "126.255.255.255", "128.0.0.1",
    "198.17.255.255", "198.20.0.0", "223.255.255.255", "20.190.160.1", "142.250.74.78"];
  it.each(allowed)("allows %s", (address) => {
    expect(classifyAddress(address)).toMatchObject({ family: 4, kind: "public", allowed: true });
  });

  it("names the metadata address and the kind in plain words", () => {
    expect(classifyAddress("169.254.169.254").description).toBe("a link-local address (the cloud metadata address)");
    expect(classifyAddress("10.0.0.5").description).toBe("a private address");
    expect(classifyAddress("100.64.1.1").description).toContain("carrier-grade NAT");
  });
});

describe("classifyAddress: IPv6", () => {
  const blocked: [string, AddressKind][] = [
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "private"],
    ["fd12:3456:789a::1", "private"],
    ["fd00:ec2::254", "private"],
    ["fec0::1", "private"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf:ffff::1", "link-local"],
    ["ff02::1", "multicast"],
    ["ff0e::101", "multicast"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["2001::1", "reserved"], // Teredo
    ["2001:10::1", "reserved"], // ORCHID
    ["100::1", "reserved"], // discard-only
    ["::2", "reserved"], // IPv4-compatible range
    ["::127.0.0.1", "reserved"], // deprecated IPv4-compatible form
    ["64:ff9b:1::1", "private"], // local-use NAT64
    ["4000::1", "reserved"], // outside 2000::/3
    ["1::1", "reserved"],
  ];
  it.each(blocked)("blocks %s as %s", (address, kind) => {
    expect(classifyAddress(address)).toMatchObject({ family: 6, kind, allowed: false });
  });

  it.each([
    ["::ffff:127.0.0.1", "loopback"],
    ["::FFFF:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["0:0:0:0:0:ffff:7f00:0001", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:a01:203", "private"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::ffff:100.64.0.1", "shared"],
    ["::ffff:0.0.0.0", "unspecified"],
    ["::ffff:224.0.0.1", "multicast"],
    ["64:ff9b::127.0.0.1", "loopback"],
    ["64:ff9b::a00:1", "private"],
    ["2002:7f00:1::1", "loopback"], // 6to4 of 127.0.0.1
    ["2002:c0a8:101::", "private"], // 6to4 of 192.168.1.1
  ] as [string, AddressKind][])("blocks the embedded IPv4 form %s as %s", (address, kind) => {
    const verdict = classifyAddress(address);
    expect(verdict).toMatchObject({ family: 6, kind, allowed: false });
  });

  it("says what the mapped form embeds", () => {
    const verdict = classifyAddress("::ffff:7f00:1");
    expect(verdict.address).toBe("::ffff:7f00:1");
    expect(verdict.description).toBe("the IPv4-mapped IPv6 form of 127.0.0.1, a loopback address");
  });

  it.each(["2001:4860:4860::8888", "2606:4700:4700::1111", "2a00:1450:4001:82a::200e", "2620:1ec:21::14",
    "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "3fff:1000::1", "2001:200::1"])("allows %s", (address) => {
    expect(classifyAddress(address)).toMatchObject({ family: 6, kind: "public", allowed: true });
  });

  it("writes addresses canonically", () => {
    expect(classifyAddress("0:0:0:0:0:0:0:1").address).toBe("::1");
    expect(classifyAddress("FE80:0:0:0:0:0:0:1%eth0").address).toBe("fe80::1");
    expect(classifyAddress("2001:db8:0:0:1:0:0:1").address).toBe("2001:db8::1:0:0:1");
    expect(classifyAddress("[::1]").address).toBe("::1");
  });
});

describe("classifyAddress: not an address", () => {
  it.each(["localhost", "example.com", "", "127.1", "0x7f.0.0.1", "2130706433", "1.2.3.4.5", "::ffff:1.2.3", "gggg::1"])(
    "refuses %j",
    (input) => {
      expect(classifyAddress(input)).toMatchObject({ kind: "invalid", allowed: false });
    },
  );
});

describe("isInsecureHost (INSECURE_OAUTH_HOSTS)", () => {
  it("matches host names exactly and case-insensitively", () => {
    expect(isInsecureHost("LocalHost", 80, ["localhost"])).toBe(true);
    expect(isInsecureHost("localhost", 80, ["LOCALHOST"])).toBe(true);
    expect(isInsecureHost("idp.localhost", 80, ["localhost"])).toBe(false);
    expect(isInsecureHost("localhost", 80, [".localhost"])).toBe(false);
    expect(isInsecureHost("evil-localhost", 80, ["localhost"])).toBe(false);
    expect(isInsecureHost("localhost", 80, [])).toBe(false);
    expect(isInsecureHost("localhost", 80, [""])).toBe(false);
  });

  it("matches IP literals in any spelling", () => {
    expect(isInsecureHost("127.0.0.1", 80, ["127.0.0.1"])).toBe(true);
    expect(isInsecureHost("127.0.0.2", 80, ["127.0.0.1"])).toBe(false);
    expect(isInsecureHost("[::1]", 80, ["::1"])).toBe(true);
    expect(isInsecureHost("::1", 80, ["[0:0:0:0:0:0:0:1]"])).toBe(true);
    expect(isInsecureHost("::1", 80, ["[::1]:80"])).toBe(true);
  });

  it("limits an entry with a port to that port", () => {
    expect(isInsecureHost("localhost", 8080, ["localhost:8080"])).toBe(true);
    expect(isInsecureHost("localhost", 8081, ["localhost:8080"])).toBe(false);
  });
});

describe("matchesNoProxy (NO_PROXY)", () => {
  it("matches everything with *", () => {
    expect(matchesNoProxy("login.microsoftonline.com", 443, ["*"])).toBe(true);
  });

  it("matches a domain and its sub-domains, with or without a leading dot", () => {
    for (const entry of ["example.com", ".example.com", "*.example.com", "EXAMPLE.COM"]) {
      expect(matchesNoProxy("example.com", 443, [entry])).toBe(true);
      expect(matchesNoProxy("idp.example.com", 443, [entry])).toBe(true);
      expect(matchesNoProxy("a.b.example.com", 443, [entry])).toBe(true);
      expect(matchesNoProxy("notexample.com", 443, [entry])).toBe(false);
      expect(matchesNoProxy("example.com.evil.net", 443, [entry])).toBe(false);
    }
  });

  it("matches IP literals exactly and honours ports", () => {
    expect(matchesNoProxy("127.0.0.1", 443, ["127.0.0.1"])).toBe(true);
    expect(matchesNoProxy("127.0.0.10", 443, ["127.0.0.1"])).toBe(false);
    expect(matchesNoProxy("::1", 443, ["::1"])).toBe(true);
    expect(matchesNoProxy("example.com", 8443, ["example.com:8443"])).toBe(true);
    expect(matchesNoProxy("example.com", 443, ["example.com:8443"])).toBe(false);
  });

  it("matches nothing for an empty list, blank entries or CIDR ranges", () => {
    expect(matchesNoProxy("example.com", 443, [])).toBe(false);
    expect(matchesNoProxy("example.com", 443, ["", " ", "."])).toBe(false);
    expect(matchesNoProxy("10.1.2.3", 443, ["10.0.0.0/8"])).toBe(false);
  });
});

describe("normalizeHost", () => {
  it("lower-cases, strips brackets and writes IPv6 canonically", () => {
    expect(normalizeHost("IdP.Example.COM")).toBe("idp.example.com");
    expect(normalizeHost("[0:0:0:0:0:ffff:7f00:1]")).toBe("::ffff:7f00:1");
    expect(normalizeHost("::FFFF:127.0.0.1")).toBe("::ffff:7f00:1");
  });
});
