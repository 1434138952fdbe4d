import { beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { createFirstAdmin, isSetupDone } from "#lib/users/create-first-admin";
import { currentSetupCode } from "#lib/users/setup-code";
import { generateKeyringEntry } from "#lib/crypto";
import { setRuntimeEnv } from "#lib/env";
import { createUser } from "#lib/users/create-user";
import { updateUser } from "#lib/users/update-user";
import { MAX_FAILED_SIGN_INS_PER_MINUTE, verifyCredentials } from "#lib/auth/sign-in";
import { createApiKey } from "#lib/api-keys/create-api-key";
import { findActiveUser, findUserByApiKey } from "#lib/auth/active-user";
import { createTestDatabase } from "#tests/support/test-database";

let db: Db;
let apiKey = "";

beforeAll(async () => {
  // The setup code is sealed like every secret.
  setRuntimeEnv({ ENCRYPTION_KEYS: generateKeyringEntry("v1") });
  db = createDb(await createTestDatabase());
  return () => db.$disconnect();
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

describe("users, sign-in and API keys on PostgreSQL", () => {
  it("creates exactly one first admin when two requests race", async () => {
    expect(await isSetupDone(db)).toBe(false);
    const setupCode = (await currentSetupCode(db))!;
    const results = await Promise.allSettled([
      createFirstAdmin(db, { email: "ada@example.test", password: "a long passphrase", setupCode }, null),
      createFirstAdmin(db, { email: "ada@example.test", name: "Second tab", password: "a long passphrase", setupCode }, null),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as AppError).code).toBe("setup_done");
    expect(await db.user.count({ where: { role: "admin" } })).toBe(1);
    expect(await db.auditEvent.count({ where: { action: "setup.first_admin" } })).toBe(1);
    expect(await currentSetupCode(db)).toBeNull();
    expect(await db.setupCode.count()).toBe(0);
  });

  it("fails unknown address, wrong password and disabled user with one message", async () => {
    const admin = await db.user.findFirstOrThrow({ where: { role: "admin" } });
    const frank = await createUser(db, { email: "frank@example.test", password: "franks passphrase" }, { id: admin.id });
    await updateUser(db, frank.id, { enabled: false }, { id: admin.id });
    const attempts = [
      verifyCredentials(db, { email: "nobody@example.test", password: "whatever passphrase" }),
      verifyCredentials(db, { email: "ada@example.test", password: "not the passphrase" }),
      verifyCredentials(db, { email: "frank@example.test", password: "franks passphrase" }),
    ];
    const messages = await Promise.all(attempts.map((attempt) => attempt.then(() => "ok", (error: Error) => error.message)));
    expect(new Set(messages)).toEqual(new Set(["Wrong email or password"]));
    const user = await verifyCredentials(db, { email: " ADA@example.test ", password: "a long passphrase" });
    expect(user.email).toBe("ada@example.test");
    expect(await db.auditEvent.count({ where: { action: "sign_in", actorId: user.id } })).toBe(1);
  });

  it("locks an address after 10 failures in a minute, even with the right password", async () => {
    await createUser(db, { email: "gina@example.test", password: "ginas passphrase" }, { id: null });
    for (let attempt = 0; attempt < MAX_FAILED_SIGN_INS_PER_MINUTE; attempt++) {
      expect(await codeOf(verifyCredentials(db, { email: "gina@example.test", password: `wrong ${attempt}` }))).toBe("unauthorized");
    }
    expect(await codeOf(verifyCredentials(db, { email: "gina@example.test", password: "ginas passphrase" }))).toBe("rate_limited");
    // Another address is not affected.
    expect((await verifyCredentials(db, { email: "ada@example.test", password: "a long passphrase" })).role).toBe("admin");
  });

  it("refuses to let an admin disable or demote themself", async () => {
    const admin = await db.user.findFirstOrThrow({ where: { role: "admin" } });
    expect(await codeOf(updateUser(db, admin.id, { enabled: false }, { id: admin.id }))).toBe("conflict");
    expect(await codeOf(updateUser(db, admin.id, { role: "user" }, { id: admin.id }))).toBe("conflict");
  });

  it("stores only a hash of an API key and stops honouring it when its user is disabled", async () => {
    const admin = await db.user.findFirstOrThrow({ where: { role: "admin" } });
    const hana = await createUser(db, { email: "hana@example.test", password: "hanas passphrase" }, { id: admin.id });
    const created = await createApiKey(db, { email: "hana@example.test" }, { id: admin.id });
    apiKey = created.key;
    const row = await db.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(created.key.startsWith(row.prefix)).toBe(true);

    expect((await findUserByApiKey(db, created.key))?.id).toBe(hana.id);
    expect(await findUserByApiKey(db, `${created.key}x`)).toBeNull();
    await updateUser(db, hana.id, { enabled: false }, { id: admin.id });
    expect(await findUserByApiKey(db, created.key)).toBeNull();
    expect(await findActiveUser(db, hana.id)).toBeNull();
  });

  it("keeps secrets out of the audit trail", async () => {
    const events = await db.auditEvent.findMany();
    const text = JSON.stringify(events);
    expect(apiKey).not.toBe("");
    for (const secret of ["a long passphrase", "ginas passphrase", "hanas passphrase", apiKey, "scrypt$"]) {
      expect(text).not.toContain(secret);
    }
  });
});
