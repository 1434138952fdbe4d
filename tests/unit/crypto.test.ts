import { describe, expect, it } from "vitest";
import { generateKeyringEntry, keyFingerprint, open, parseKeyring, seal, SealError } from "#lib/crypto";

const v1 = generateKeyringEntry("v1");
const v2 = generateKeyringEntry("v2");

describe("sealing secrets", () => {
  it("round-trips and never stores the plaintext", () => {
    const ring = parseKeyring(v1);
    const sealed = seal("client-secret-value", "connected_apps.client_secret_sealed:1", ring);
    expect(sealed.startsWith("v1:")).toBe(true);
    expect(sealed).not.toContain("client-secret-value");
    expect(open(sealed, "connected_apps.client_secret_sealed:1", ring)).toBe("client-secret-value");
  });

  it("uses a fresh IV each time", () => {
    const ring = parseKeyring(v1);
    expect(seal("same", "ctx", ring)).not.toBe(seal("same", "ctx", ring));
  });

  it("refuses a value moved to another record", () => {
    const ring = parseKeyring(v1);
    const sealed = seal("secret", "row:1", ring);
    expect(() => open(sealed, "row:2", ring)).toThrow(SealError);
  });

  it("refuses a tampered value", () => {
    const ring = parseKeyring(v1);
    const sealed = seal("secret", "row:1", ring);
    const bytes = Buffer.from(sealed.slice(3), "base64");
    bytes[bytes.length - 1]! ^= 1;
    expect(() => open(`v1:${bytes.toString("base64")}`, "row:1", ring)).toThrow(SealError);
  });

  it("seals with the first key and opens with any listed key", () => {
    const old = parseKeyring(v1);
    const sealedOld = seal("secret", "ctx", old);
    const rotated = parseKeyring(`${v2},${v1}`);
    expect(open(sealedOld, "ctx", rotated)).toBe("secret");
    expect(seal("x", "ctx", rotated).startsWith("v2:")).toBe(true);
    expect(() => open(seal("x", "ctx", rotated), "ctx", old)).toThrow(/no encryption key "v2"/);
  });

  it("explains a malformed ENCRYPTION_KEYS without echoing key material", () => {
    expect(() => parseKeyring("v1:AAAA")).toThrow(/32 bytes/);
    expect(() => parseKeyring("nonsense")).toThrow(/v1:<base64/);
    expect(() => parseKeyring(`${v1},${v1}`)).toThrow(/twice/);
    try {
      parseKeyring("v1:c2VjcmV0");
    } catch (error) {
      expect((error as Error).message).not.toContain("c2VjcmV0");
    }
  });

  it("fingerprints keys stably and differently", () => {
    const a = parseKeyring(v1).current;
    expect(keyFingerprint(a)).toBe(keyFingerprint(parseKeyring(v1).current));
    expect(keyFingerprint(a)).not.toBe(keyFingerprint(parseKeyring(v2.replace("v2", "v1")).current));
    expect(keyFingerprint(a)).toMatch(/^[0-9a-f]{16}$/);
  });
});
