import type { Db } from "#lib/db";
import { keyFingerprint, open, seal, type Keyring } from "#lib/crypto";
import { sealedColumnContext, sealedColumns } from "./sealed-columns";

export interface RotationResult {
  resealed: number;
  byColumn: Record<string, number>;
}

/**
 * Re-seals every secret that is not sealed with the current key, then forgets
 * the fingerprints of the other keys, so they may be removed from
 * ENCRYPTION_KEYS. Each value is swapped only if it did not change meanwhile.
 */
export async function rotateKeys(db: Db, ring: Keyring): Promise<RotationResult> {
  const byColumn: Record<string, number> = {};
  let resealed = 0;
  for (const column of sealedColumns) {
    const rows = await db.$queryRawUnsafe<{ id: string; value: string }[]>(
      `SELECT id::text AS id, "${column.column}" AS value FROM "${column.table}"
        WHERE "${column.column}" IS NOT NULL AND "${column.column}" NOT LIKE $1`,
      `${ring.current.version}:%`,
    );
    let count = 0;
    for (const row of rows) {
      const context = sealedColumnContext(column, row.id);
      const fresh = seal(open(row.value, context, ring), context, ring);
      count += await db.$executeRawUnsafe(
        `UPDATE "${column.table}" SET "${column.column}" = $1 WHERE id = $2::uuid AND "${column.column}" = $3`,
        fresh,
        row.id,
        row.value,
      );
    }
    byColumn[`${column.table}.${column.column}`] = count;
    resealed += count;
  }
  await db.encryptionKeyFingerprint.deleteMany({ where: { version: { not: ring.current.version } } });
  await db.encryptionKeyFingerprint.upsert({
    where: { version: ring.current.version },
    create: { version: ring.current.version, fingerprint: keyFingerprint(ring.current) },
    update: {},
  });
  return { resealed, byColumn };
}
