import { mkdtempSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseKeyring } from "#lib/crypto";
import { resolveSecrets } from "#lib/runtime/generated-secrets";

describe("zero-config secrets in DATA_DIR", () => {
  it("generates missing secrets once, mode 0600, and reuses them", () => {
    const dataDir = mkdtempSync(path.resolve(".data/secrets-"));
    const first = resolveSecrets(dataDir, {});
    expect(first.generated).toEqual(["ENCRYPTION_KEYS", "NEXTAUTH_SECRET"]);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(parseKeyring(first.encryptionKeys).current.version).toBe("v1");
    expect(first.nextauthSecret.length).toBeGreaterThanOrEqual(32);

    const second = resolveSecrets(dataDir, {});
    expect(second.generated).toEqual([]);
    expect(second.encryptionKeys).toBe(first.encryptionKeys);
    expect(second.nextauthSecret).toBe(first.nextauthSecret);
  });

  it("never writes configured secrets to disk", () => {
    const dataDir = mkdtempSync(path.resolve(".data/secrets-"));
    const configured = { encryptionKeys: "v9:" + Buffer.alloc(32, 7).toString("base64"), nextauthSecret: "x".repeat(40) };
    const resolved = resolveSecrets(dataDir, configured);
    expect(resolved.generated).toEqual([]);
    expect(resolved.encryptionKeys).toBe(configured.encryptionKeys);
    expect(() => readFileSync(resolved.file)).toThrow();
  });
});
