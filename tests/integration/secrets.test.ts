import { beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "#lib/db";
import { generateKeyringEntry, open, parseKeyring, seal } from "#lib/crypto";
import { checkKeyFingerprints, MissingEncryptionKeyError } from "#lib/secrets/check-key-fingerprints";
import { rotateKeys } from "#lib/secrets/rotate-keys";
import { sealedColumnContext, sealedColumns } from "#lib/secrets/sealed-columns";
import { createTestDatabase } from "#tests/support/test-database";

let db: Db;
const v1 = generateKeyringEntry("v1");
const otherV1 = generateKeyringEntry("v1");
const v2 = generateKeyringEntry("v2");

beforeAll(async () => {
  db = createDb(await createTestDatabase());
  return () => db.$disconnect();
});

const clientSecretColumn = sealedColumns.find((column) => column.column === "client_secret_sealed")!;

async function createAppWithSecret(secret: string, ring = parseKeyring(v1)) {
  const id = crypto.randomUUID();
  await db.connectedApp.create({
    data: {
      id,
      providerName: "Example",
      authorizationUri: "https://idp.example.com/authorize",
      tokenUri: "https://idp.example.com/token",
      clientId: "client",
      clientSecretSealed: seal(secret, sealedColumnContext(clientSecretColumn, id), ring),
    },
  });
  return id;
}

describe("encryption keys and the database", () => {
  it("records the first key and accepts it again", async () => {
    await checkKeyFingerprints(db, parseKeyring(v1));
    await checkKeyFingerprints(db, parseKeyring(v1));
    expect(await db.encryptionKeyFingerprint.count()).toBe(1);
  });

  it("refuses a process whose key of the same name is a different key, naming it", async () => {
    await expect(checkKeyFingerprints(db, parseKeyring(otherV1))).rejects.toThrow(MissingEncryptionKeyError);
    await expect(checkKeyFingerprints(db, parseKeyring(otherV1))).rejects.toThrow(/"v1" \(fingerprint [0-9a-f]{16}\)/);
  });

  it("refuses a process that has only a newer key, until rotation re-seals everything", async () => {
    const appId = await createAppWithSecret("s3cret-value");
    await expect(checkKeyFingerprints(db, parseKeyring(v2))).rejects.toThrow(/"v1"/);

    const both = parseKeyring(`${v2},${v1}`);
    await checkKeyFingerprints(db, both);
    const result = await rotateKeys(db, both);
    expect(result.resealed).toBe(1);
    expect(result.byColumn["connected_apps.client_secret_sealed"]).toBe(1);

    const row = await db.connectedApp.findUniqueOrThrow({ where: { id: appId } });
    expect(row.clientSecretSealed!.startsWith("v2:")).toBe(true);
    const onlyV2 = parseKeyring(v2);
    expect(open(row.clientSecretSealed!, sealedColumnContext(clientSecretColumn, appId), onlyV2)).toBe("s3cret-value");
    await checkKeyFingerprints(db, onlyV2);
    expect((await db.encryptionKeyFingerprint.findMany()).map((key) => key.version)).toEqual(["v2"]);

    expect((await rotateKeys(db, onlyV2)).resealed).toBe(0);
  });
});
