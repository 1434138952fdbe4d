import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { env } from "./env";

/**
 * Seals secrets (client secrets, tokens, passwords, PKCE verifiers) with
 * AES-256-GCM. A sealed value is `<key version>:<base64 of iv ‖ tag ‖ ciphertext>`.
 * The caller passes the record's identity as associated data, so a value
 * copied into another row or column does not open. open() throws on any
 * failure: a wrong key must never pass silently.
 */

export interface EncryptionKey {
  version: string;
  key: Buffer;
}

export interface Keyring {
  /** Seals new values. */
  current: EncryptionKey;
  /** Every key that may open a value, the current one included. */
  byVersion: Map<string, EncryptionKey>;
}

const VERSION_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;

/** Parses `v2:<base64 32 bytes>,v1:<…>`: the first seals, all open. Messages never include key material. */
export function parseKeyring(value: string): Keyring {
  const entries = value.split(",").map((part) => part.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error("ENCRYPTION_KEYS is empty");
  const byVersion = new Map<string, EncryptionKey>();
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(":");
    const version = colon > 0 ? entry.slice(0, colon) : "";
    if (!VERSION_PATTERN.test(version)) {
      throw new Error(`ENCRYPTION_KEYS entry ${index + 1} must look like "v1:<base64 of 32 bytes>"`);
    }
    const key = Buffer.from(entry.slice(colon + 1), "base64");
    if (key.length !== 32) {
      throw new Error(`ENCRYPTION_KEYS key "${version}" must be 32 bytes in base64 (it is ${key.length})`);
    }
    if (byVersion.has(version)) throw new Error(`ENCRYPTION_KEYS names key "${version}" twice`);
    byVersion.set(version, { version, key });
  }
  const current = byVersion.get(entries[0]!.slice(0, entries[0]!.indexOf(":")))!;
  return { current, byVersion };
}

export function generateKeyringEntry(version: string): string {
  return `${version}:${randomBytes(32).toString("base64")}`;
}

/** A short, non-reversible name for a key, safe to store and to print. */
export function keyFingerprint(key: EncryptionKey): string {
  return createHash("sha256").update("connected-apps key fingerprint\0").update(key.key).digest("hex").slice(0, 16);
}

let cachedKeyring: { source: string; keyring: Keyring } | undefined;

export function keyring(): Keyring {
  const source = env().ENCRYPTION_KEYS;
  if (!source) {
    throw new Error("ENCRYPTION_KEYS is not set: start through `npm start`, `npm run web`, `npm run worker` or `npm run cli`, which provide it");
  }
  if (cachedKeyring?.source !== source) cachedKeyring = { source, keyring: parseKeyring(source) };
  return cachedKeyring.keyring;
}

export function seal(plaintext: string, associatedData: string, ring: Keyring = keyring()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", ring.current.key, iv);
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `${ring.current.version}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64")}`;
}

export class SealError extends Error {
  override name = "SealError";
}

export function open(sealed: string, associatedData: string, ring: Keyring = keyring()): string {
  const colon = sealed.indexOf(":");
  const version = sealed.slice(0, colon);
  const key = colon > 0 ? ring.byVersion.get(version) : undefined;
  if (!key) throw new SealError(`no encryption key "${version}" to open this value`);
  const data = Buffer.from(sealed.slice(colon + 1), "base64");
  if (data.length < 28) throw new SealError("sealed value is truncated");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, data.subarray(0, 12));
    decipher.setAAD(Buffer.from(associatedData, "utf8"));
    decipher.setAuthTag(data.subarray(12, 28));
    return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    throw new SealError(`value sealed with key "${version}" does not open: wrong key, or it belongs to another record`);
  }
}
