import type { Db } from "#lib/db";
import { keyFingerprint, type Keyring } from "#lib/crypto";

export class MissingEncryptionKeyError extends Error {
  override name = "MissingEncryptionKeyError";
}

/**
 * Refuses to run a process whose ENCRYPTION_KEYS cannot open this database's
 * secrets (say, a second machine that generated a key of its own), then
 * records the current key so later processes are checked against it.
 */
export async function checkKeyFingerprints(db: Db, ring: Keyring): Promise<void> {
  const recorded = await db.encryptionKeyFingerprint.findMany();
  const missing = recorded.filter((row) => {
    const key = ring.byVersion.get(row.version);
    return !key || keyFingerprint(key) !== row.fingerprint;
  });
  if (missing.length > 0) {
    const names = missing.map((row) => `"${row.version}" (fingerprint ${row.fingerprint})`).join(", ");
    throw new MissingEncryptionKeyError(
      `This database holds secrets sealed with encryption key ${names}, which this process's ENCRYPTION_KEYS does not have. ` +
        "Give every process the same ENCRYPTION_KEYS (copy it from the machine that first used this database, e.g. its DATA_DIR/secrets.json).",
    );
  }
  await db.encryptionKeyFingerprint.createMany({
    data: [{ version: ring.current.version, fingerprint: keyFingerprint(ring.current) }],
    skipDuplicates: true,
  });
}
