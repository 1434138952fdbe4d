import { beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { createUser } from "#lib/users/create-user";
import { updateUser } from "#lib/users/update-user";
import { verifyCredentials } from "#lib/auth/sign-in";
import { findActiveUser } from "#lib/auth/active-user";
import { SIGN_IN_LIMITS } from "#lib/auth/sign-in-limits";
import { createTestDatabase } from "#tests/support/test-database";

let db: Db;

beforeAll(async () => {
  db = createDb(await createTestDatabase());
  return () => db.$disconnect();
});

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

/**
 * The limits count per minute, the previous minute fading out as the current
 * one goes on: a test that counts attempts exactly runs within one minute of
 * the database's clock, waiting for the next one when too little is left.
 */
async function withinOneMinute(seconds: number): Promise<void> {
  const [row] = await db.$queryRaw<{ left: number }[]>`SELECT 60 - extract(second FROM now())::float8 AS left`;
  if (row!.left < seconds) await new Promise((resolve) => setTimeout(resolve, (row!.left + 0.5) * 1000));
}

/** Password checks that happened: each one leaves a sign_in_failed row naming why. */
const passwordsChecked = (email: string) =>
  db.auditEvent.count({ where: { action: "sign_in_failed", targetId: email, details: { path: ["reason"], equals: "wrong_password" } } });

describe("the sign-in limits", () => {
  it("check at most 10 of 100 wrong passwords sent at once for one account from one address", async () => {
    await createUser(db, { email: "race@example.test", password: "races passphrase" }, { id: null });
    await withinOneMinute(20);
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, index) => outcome(verifyCredentials(db, { email: "race@example.test", password: `guess ${index}`, ip: "203.0.113.1" }))),
    );
    expect(outcomes.filter((code) => code === "unauthorized")).toHaveLength(SIGN_IN_LIMITS.perAccountAndAddress);
    expect(outcomes.filter((code) => code === "rate_limited")).toHaveLength(100 - SIGN_IN_LIMITS.perAccountAndAddress);
    expect(await passwordsChecked("race@example.test")).toBe(SIGN_IN_LIMITS.perAccountAndAddress);
  });

  it("limit one address trying many accounts", async () => {
    const accounts = Array.from({ length: 40 }, (_, index) => `spray-${index}@example.test`);
    for (const email of accounts.slice(0, 5)) await createUser(db, { email, password: "sprayed passphrase" }, { id: null });
    await withinOneMinute(40);
    const outcomes: string[] = [];
    for (const email of accounts) outcomes.push(await outcome(verifyCredentials(db, { email, password: "Summer2026!", ip: "203.0.113.2" })));
    expect(outcomes.slice(0, SIGN_IN_LIMITS.perAddress).every((code) => code === "unauthorized")).toBe(true);
    expect(outcomes.slice(SIGN_IN_LIMITS.perAddress).every((code) => code === "rate_limited")).toBe(true);
    // Another address is not affected.
    expect(await outcome(verifyCredentials(db, { email: "spray-0@example.test", password: "sprayed passphrase", ip: "203.0.113.3" }))).toBe("ok");
  });

  it("let the owner in from their own address while strangers guess at the account from many", async () => {
    await createUser(db, { email: "owner@example.test", password: "owners passphrase" }, { id: null });
    // At once: past the account's slowdown threshold every attempt waits, and these would take minutes in turn.
    await Promise.all(
      Array.from({ length: 5 * (SIGN_IN_LIMITS.perAccountAndAddress + 2) }, (_, index) =>
        outcome(verifyCredentials(db, { email: "owner@example.test", password: `guess ${index}`, ip: `198.51.100.${index % 5}` })),
      ),
    );
    // Every stranger's address is refused now...
    expect(await outcome(verifyCredentials(db, { email: "owner@example.test", password: "owners passphrase", ip: "198.51.100.0" }))).toBe("rate_limited");
    // ...but the owner, from elsewhere, gets in: slowed down, not locked out.
    const started = performance.now();
    const owner = await verifyCredentials(db, { email: "owner@example.test", password: "owners passphrase", ip: "192.0.2.10" });
    expect(owner.email).toBe("owner@example.test");
    expect(performance.now() - started).toBeGreaterThanOrEqual(SIGN_IN_LIMITS.maxDelayMs - 50);
  });

  it("give a successful sign-in's attempt back", async () => {
    await createUser(db, { email: "typo@example.test", password: "typos passphrase" }, { id: null });
    await withinOneMinute(20);
    const sign = (password: string) => outcome(verifyCredentials(db, { email: "typo@example.test", password, ip: "203.0.113.4" }));
    for (let typo = 0; typo < SIGN_IN_LIMITS.perAccountAndAddress - 1; typo++) expect(await sign(`typo ${typo}`)).toBe("unauthorized");
    // One attempt short of the limit: every successful sign-in after that gives its own attempt back.
    for (let again = 0; again < 3; again++) expect(await sign("typos passphrase")).toBe("ok");
    // The typos still count: one more and the next attempt is over the limit.
    expect(await sign("one typo too many")).toBe("unauthorized");
    expect(await sign("typos passphrase")).toBe("rate_limited");
  });

  it("refuse a password longer than any we accept without hashing it", async () => {
    await createUser(db, { email: "long@example.test", password: "longs passphrase" }, { id: null });
    const started = performance.now();
    expect(await outcome(verifyCredentials(db, { email: "long@example.test", password: "x".repeat(1_000_000), ip: "203.0.113.5" }))).toBe("unauthorized");
    expect(await db.auditEvent.count({ where: { targetId: "long@example.test", details: { path: ["reason"], equals: "password_too_long" } } })).toBe(1);
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});

describe("session versions", () => {
  it("end a user's sessions on a password change, a role change and disabling, not on a name change", async () => {
    const user = await createUser(db, { email: "sessions@example.test", password: "sessions passphrase" }, { id: null });
    const versionNow = async () => (await db.user.findUniqueOrThrow({ where: { id: user.id } })).sessionVersion;
    let version = await versionNow();
    expect(await findActiveUser(db, user.id, version)).not.toBeNull();

    await updateUser(db, user.id, { name: "Renamed" }, { id: null });
    expect(await findActiveUser(db, user.id, version)).not.toBeNull();

    for (const change of [{ password: "another passphrase" }, { role: "admin" as const }, { enabled: false }]) {
      await updateUser(db, user.id, change, { id: null });
      expect([change, await findActiveUser(db, user.id, version)]).toEqual([change, null]);
      version = await versionNow();
    }
    await updateUser(db, user.id, { enabled: true }, { id: null });
    // A session issued now (at the current version) works; every earlier one stays over.
    const current = await versionNow();
    expect(await findActiveUser(db, user.id, current)).not.toBeNull();
    expect(await findActiveUser(db, user.id, current - 1)).toBeNull();
  });
});
