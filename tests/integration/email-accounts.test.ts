import { beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "#lib/db";
import { generateKeyringEntry, open } from "#lib/crypto";
import { setRuntimeEnv } from "#lib/env";
import { AppError } from "#lib/errors";
import type { SignedInUser } from "#lib/auth/sign-in";
import { sealedColumnContext } from "#lib/secrets/sealed-columns";
import { createEmailAccount } from "#lib/email-accounts/create-email-account";
import { updateEmailAccount } from "#lib/email-accounts/update-email-account";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { listEmailAccounts } from "#lib/email-accounts/list-email-accounts";
import type { CreateEmailAccountInput } from "#lib/email-accounts/schemas";
import { createTestDatabase } from "#tests/support/test-database";

let db: Db;
let admin: SignedInUser;
let uma: SignedInUser;
let vic: SignedInUser;
let appId: string;

async function user(email: string, role: "admin" | "user"): Promise<SignedInUser> {
  const row = await db.user.create({ data: { email, name: email.split("@")[0]!, role } });
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

function body(overrides: Partial<CreateEmailAccountInput> = {}): CreateEmailAccountInput {
  return {
    emailAddress: "uma@example.test",
    authMethod: "oauth",
    connectedAppId: appId,
    imap: { host: "imap.example.test", port: 993, security: "tls", login: "uma@example.test" },
    smtp: { host: "smtp.example.test", port: 587, security: "starttls", login: "uma@example.test" },
    ...overrides,
  };
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof AppError) return `${error.code}${error.issues ? `:${error.issues.map((issue) => issue.path).join(",")}` : ""}`;
    throw error;
  }
}

beforeAll(async () => {
  setRuntimeEnv({ ENCRYPTION_KEYS: generateKeyringEntry("v1"), INSECURE_OAUTH_HOSTS: "127.0.0.1,mail.lan:143,[::1]" });
  db = createDb(await createTestDatabase());
  admin = await user("ada@example.test", "admin");
  uma = await user("uma@example.test", "user");
  vic = await user("vic@example.test", "user");
  appId = (
    await db.connectedApp.create({
      data: { providerName: "Mail IdP", authorizationUri: "https://idp.example.test/auth", tokenUri: "https://idp.example.test/token", clientId: "c" },
    })
  ).id;
  return () => db.$disconnect();
});

describe("email accounts", () => {
  it("creates an OAuth account on the owner's own connection with the documented defaults", async () => {
    const account = await createEmailAccount(db, body(), uma);
    expect(account).toMatchObject({
      ownerId: uma.id,
      connectedUserId: uma.id,
      servicePrincipal: false,
      folders: ["INBOX"],
      useIdle: true,
      sendLimits: { perMinute: 30, connections: 3 },
      incomingStatus: "active",
      outgoingStatus: "active",
      passwordSet: false,
    });
  });

  it("lets users use only their own connection, and only admins the app's own token", async () => {
    expect(await code(createEmailAccount(db, body({ connectedUserId: vic.id }), uma))).toBe("forbidden");
    expect(await code(createEmailAccount(db, body({ servicePrincipal: true, emailAddress: "shared@example.test" }), uma))).toBe("forbidden");
    const shared = await createEmailAccount(db, body({ servicePrincipal: true, emailAddress: "shared@example.test" }), admin);
    expect(shared).toMatchObject({ servicePrincipal: true, connectedUserId: null });
    expect((await createEmailAccount(db, body({ connectedUserId: vic.id }), admin)).connectedUserId).toBe(vic.id);
  });

  it("names what is missing or wrong", async () => {
    expect(await code(createEmailAccount(db, body({ connectedAppId: null }), uma))).toBe("validation_failed:connectedAppId");
    expect(await code(createEmailAccount(db, body({ authMethod: "password" }), uma))).toBe("validation_failed:password");
    expect(await code(createEmailAccount(db, body({ connectedAppId: crypto.randomUUID() }), uma))).toBe("validation_failed:connectedAppId");
    expect(
      await code(createEmailAccount(db, body({ imap: { host: "imap.example.test", port: 70000, security: "tls", login: "" } }), uma)),
    ).toBe("validation_failed:imap.port,imap.login");
    expect(await code(createEmailAccount(db, body({ initialSync: { since: new Date(), newest: 5 } }), uma))).toBe("validation_failed:initialSync");
  });

  it("allows plain IMAP/SMTP only to hosts listed in INSECURE_OAUTH_HOSTS", async () => {
    const plain = { host: "imap.example.test", port: 143, security: "none" as const, login: "uma" };
    expect(await code(createEmailAccount(db, body({ imap: plain }), uma))).toBe("validation_failed:imap.security");
    const local = await createEmailAccount(db, body({ imap: { ...plain, host: "127.0.0.1" }, smtp: { ...plain, host: "127.0.0.1", port: 25 } }), uma);
    expect(local.imap.security).toBe("none");
    // Read as the list is read everywhere else: a listed port is that port only; IPv6 in any spelling.
    const tls = { host: "smtp.example.test", port: 465, security: "tls" as const, login: "uma" };
    expect((await createEmailAccount(db, body({ emailAddress: "lan@example.test", imap: { ...plain, host: "MAIL.lan" }, smtp: tls }), uma)).imap.host).toBe("MAIL.lan");
    expect(await code(createEmailAccount(db, body({ imap: { ...plain, host: "mail.lan", port: 993 } }), uma))).toBe("validation_failed:imap.security");
    expect((await createEmailAccount(db, body({ emailAddress: "v6@example.test", imap: { ...plain, host: "0:0:0:0:0:0:0:1" }, smtp: tls }), uma)).imap.security).toBe("none");
  });

  it("seals a password and never returns it", async () => {
    const account = await createEmailAccount(db, body({ authMethod: "password", password: "imap-pass-123", connectedAppId: undefined }), uma);
    expect(account.passwordSet).toBe(true);
    expect(JSON.stringify(account)).not.toContain("imap-pass-123");
    const row = await db.emailAccount.findUniqueOrThrow({ where: { id: account.id } });
    expect(row.passwordSealed).not.toContain("imap-pass-123");
    expect(open(row.passwordSealed!, sealedColumnContext({ table: "email_accounts", column: "password_sealed" }, account.id))).toBe("imap-pass-123");
  });

  it("drops a stored password when a server moves, unless the same save gives it again", async () => {
    const account = await createEmailAccount(db, body({ emailAddress: "moving@example.test", authMethod: "password", password: "imap-pass-456", connectedAppId: undefined }), uma);
    const imap = { host: "imap.example.test", port: 993, security: "tls" as const, login: "moving@example.test" };
    // The same servers, or other fields: kept.
    expect((await updateEmailAccount(db, account.id, { imap, displayName: "Moving" }, uma)).passwordSet).toBe(true);
    // Another host, port or security: the password would go there; it is dropped.
    for (const moved of [{ ...imap, host: "imap.attacker.example" }, { ...imap, port: 143 }, { ...imap, security: "starttls" as const }]) {
      await updateEmailAccount(db, account.id, { password: "imap-pass-456" }, uma);
      await updateEmailAccount(db, account.id, { imap }, uma);
      expect((await updateEmailAccount(db, account.id, { imap: moved }, uma)).passwordSet).toBe(false);
    }
    // Given again with the move: kept, and sealed anew.
    expect((await updateEmailAccount(db, account.id, { imap: { ...imap, host: "imap2.example.test" }, password: "imap-pass-789" }, uma)).passwordSet).toBe(true);
  });

  it("hides other users' accounts (404) and shows admins all", async () => {
    const own = await createEmailAccount(db, body({ emailAddress: "uma2@example.test" }), uma);
    expect(await code(getEmailAccountOrThrow(db, own.id, vic))).toBe("not_found");
    expect((await getEmailAccountOrThrow(db, own.id, admin)).id).toBe(own.id);
    const umaCount = (await listEmailAccounts(db, uma)).length;
    const all = (await listEmailAccounts(db, admin)).length;
    expect((await listEmailAccounts(db, vic)).every((account) => account.ownerId === vic.id)).toBe(true);
    expect(all).toBeGreaterThan(umaCount);
  });

  it("resumes paused sides when the owner saves a change", async () => {
    const account = await createEmailAccount(db, body({ emailAddress: "paused@example.test" }), uma);
    await db.emailAccount.update({
      where: { id: account.id },
      data: { outgoingStatus: "paused", outgoingPausedReason: "5 authentication failures", outgoingFailures: 5 },
    });
    const updated = await updateEmailAccount(db, account.id, { smtp: { host: "smtp2.example.test", port: 465, security: "tls", login: "uma" } }, uma);
    expect(updated).toMatchObject({ outgoingStatus: "active", outgoingPausedReason: null, smtp: { host: "smtp2.example.test", port: 465 } });
  });

  it("keeps every field a PATCH leaves out", async () => {
    const account = await createEmailAccount(
      db,
      body({
        emailAddress: "keep@example.test",
        displayName: "Keep Me",
        folders: ["INBOX", "Archive"],
        useIdle: false,
        pollIntervalSeconds: 300,
        initialSync: { newest: 50 },
        sendLimits: { perMinute: 7, connections: 1 },
        alwaysUseAccountAddressAsSender: true,
        alwaysUseAccountNameAsSenderName: true,
        enableIncoming: false,
      }),
      uma,
    );
    const updated = await updateEmailAccount(db, account.id, { displayName: "Kept" }, uma);
    const { displayName, updatedAt, ...rest } = updated;
    const { displayName: before, updatedAt: beforeUpdatedAt, ...restBefore } = account;
    expect([displayName, before]).toEqual(["Kept", "Keep Me"]);
    expect(new Date(updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(beforeUpdatedAt).getTime());
    expect(rest).toEqual(restBefore);
    expect(rest).toMatchObject({ folders: ["INBOX", "Archive"], pollIntervalSeconds: 300, sendLimits: { perMinute: 7, connections: 1 }, enableIncoming: false });
  });
});
