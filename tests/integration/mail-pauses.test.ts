import { beforeAll, describe, expect, it } from "vitest";
import { AccountSession } from "#lib/mail/account-session";
import { followConnectionStatus } from "#lib/mail/follow-connection-status";
import { followOwnerStatus, OWNER_PAUSE_PREFIX } from "#lib/mail/follow-owner-status";
import { MailWorker } from "#lib/mail/mail-worker";
import { drainOutboundQueue } from "#lib/outbound/drain-outbound-queue";
import { enqueueOutboundMessage } from "#lib/outbound/enqueue-outbound-message";
import { stopJobSender } from "#lib/queue/enqueue-job";
import { createEmailAccount } from "#lib/email-accounts/create-email-account";
import { updateEmailAccount } from "#lib/email-accounts/update-email-account";
import { setRuntimeEnv } from "#lib/env";
import { getAccessToken } from "#lib/tokens/get-access-token";
import { refreshExpiringTokens } from "#lib/tokens/refresh-expiring-tokens";
import { updateUser } from "#lib/users/update-user";
import { registerCleanup } from "#tests/support/cleanup";
import { createMailFixture, testMessage, waitFor, type MailFixture } from "#tests/support/mail-fixture";
import { startSmtpServer, type TestSmtpServer } from "#tests/support/smtp-server";
import { appError } from "#tests/support/refusals";

let f: MailFixture;
let smtp: TestSmtpServer;
let adminId: string;

beforeAll(async () => {
  f = await createMailFixture();
  // Queuing a message wakes its drain through pg-boss: on this file's database.
  setRuntimeEnv({ DATABASE_URL: f.databaseUrl });
  registerCleanup(() => stopJobSender());
  smtp = await startSmtpServer({ introspect: (token) => f.provider.introspect(token) });
  adminId = await f.createUser("admin@example.test", "admin");
});

const accountRow = (id: string) => f.db.emailAccount.findUniqueOrThrow({ where: { id } });

describe("a disabled user's mail", () => {
  it("pauses both sides, holds the queue and refreshes no token; enabling the user resumes it all", async () => {
    const { user, account } = await f.mailUser("leaver@example.test", { smtp: { host: "127.0.0.1", port: smtp.port, security: "none", login: "leaver@example.test" } });
    const admin = await f.signedIn(adminId);
    await enqueueOutboundMessage(f.db, { emailAccountId: account.id, input: { to: ["someone@example.test"], subject: "queued before", text: "hello" }, caller: admin });
    await updateUser(f.db, user.id, { enabled: false }, { id: adminId });

    expect(await followOwnerStatus(f.db)).toMatchObject({ paused: 1 });
    const paused = await accountRow(account.id);
    expect([paused.incomingStatus, paused.outgoingStatus]).toEqual(["paused", "paused"]);
    expect(paused.incomingPausedReason).toBe(`${OWNER_PAUSE_PREFIX}leaver@example.test is disabled. An admin can enable them under Users.`);

    // The queue holds.
    expect(await drainOutboundQueue(f.db, account.id)).toMatchObject({ sent: 0 });
    expect(smtp.messages.filter((message) => message.envelope.from === "leaver@example.test")).toHaveLength(0);

    // No token is served or refreshed: the provider is not asked.
    await f.db.tokenCache.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() + 1000) } });
    f.provider.resetCounters();
    expect((await appError(getAccessToken(f.db, f.appId, user.id))).code).toBe("forbidden");
    await refreshExpiringTokens(f.db);
    expect(f.provider.tokenRequests()).toBe(0);

    // A broken connection's reconcile does not take the pause over (no flip-flop between the two, no notification).
    await f.db.tokenCache.updateMany({ where: { userId: user.id }, data: { status: "needs_reauth" } });
    for (let round = 0; round < 2; round++) {
      await followOwnerStatus(f.db);
      expect(await followConnectionStatus(f.db)).toMatchObject({ paused: 0 });
      expect((await accountRow(account.id)).incomingPausedReason).toMatch(new RegExp(`^${OWNER_PAUSE_PREFIX}`));
    }
    await f.db.tokenCache.updateMany({ where: { userId: user.id }, data: { status: "active", expiresAt: new Date(Date.now() + 3_600_000) } });

    await updateUser(f.db, user.id, { enabled: true }, { id: adminId });
    expect(await followOwnerStatus(f.db)).toMatchObject({ resumed: 1 });
    const resumed = await accountRow(account.id);
    expect([resumed.incomingStatus, resumed.outgoingStatus, resumed.incomingPausedReason]).toEqual(["active", "active", null]);
    expect(await drainOutboundQueue(f.db, account.id)).toMatchObject({ sent: 1 });
  });

  it("is dropped by the worker that held its session", async () => {
    const { user, account } = await f.mailUser("dropped@example.test");
    // Delivered first: Dovecot makes the mailbox's home on delivery.
    await f.dovecot.deliver("dropped@example.test", testMessage());
    const worker = new MailWorker(f.db, f.databaseUrl);
    registerCleanup(() => worker.stop());
    await worker.start();
    const leased = () => f.db.mailAccountLease.findUnique({ where: { emailAccountId: account.id } });
    await waitFor(async () => (await leased()) !== null && (await accountRow(account.id)).lastSyncAt !== null, 30_000, "the worker's session");
    await updateUser(f.db, user.id, { enabled: false }, { id: adminId });
    // The next heartbeats pause the account and hand its session back.
    await waitFor(async () => (await leased()) === null, 30_000, "the session handed back");
    expect((await accountRow(account.id)).incomingStatus).toBe("paused");
    await worker.stop();
  });
});

describe("pauses", () => {
  it("are not lifted by a session already in IDLE when it syncs again", async () => {
    const { user, account } = await f.mailUser("idle-paused@example.test");
    await f.dovecot.deliver("idle-paused@example.test", testMessage({ subject: "first" }));
    const session = new AccountSession(f.db, account.id, null);
    registerCleanup(() => session.stop());
    await waitFor(async () => (await accountRow(account.id)).lastSyncAt, 15_000, "the first sync");

    // A heartbeat pauses the account (its user was disabled) while the session sits in IDLE...
    await updateUser(f.db, user.id, { enabled: false }, { id: adminId });
    await followOwnerStatus(f.db);
    // ...and new mail wakes the session, which syncs once more.
    const before = (await accountRow(account.id)).lastSyncAt!;
    await f.dovecot.deliver("idle-paused@example.test", testMessage({ subject: "during the pause" }));
    await waitFor(async () => (await accountRow(account.id)).lastSyncAt! > before, 15_000, "the sync after the delivery");
    expect((await accountRow(account.id)).incomingStatus).toBe("paused");
    await session.stop();
    await updateUser(f.db, user.id, { enabled: true }, { id: adminId });
    await followOwnerStatus(f.db);
  });

  it("for a connection that needs reauthorisation survive a save of the account, and notify once", async () => {
    const { user, account } = await f.mailUser("saved-while-paused@example.test");
    await f.db.tokenCache.updateMany({ where: { userId: user.id }, data: { status: "needs_reauth" } });
    expect(await followConnectionStatus(f.db)).toMatchObject({ paused: 1 });
    const reason = (await accountRow(account.id)).incomingPausedReason;

    await updateEmailAccount(f.db, account.id, { displayName: "Renamed while paused" }, user);
    const saved = await accountRow(account.id);
    expect([saved.displayName, saved.incomingStatus, saved.outgoingStatus, saved.incomingPausedReason]).toEqual(["Renamed while paused", "paused", "paused", reason]);
    expect(await followConnectionStatus(f.db)).toMatchObject({ paused: 0 });
    expect(await f.db.notification.count({ where: { userId: user.id, kind: "email_account.connection_paused" } })).toBe(1);
  });

  it("for repeated sign-in failures are lifted by a save: the owner fixed something", async () => {
    const { user, account } = await f.mailUser("fixed@example.test");
    await f.db.emailAccount.update({ where: { id: account.id }, data: { incomingStatus: "paused", incomingPausedReason: "5 authentication failures in a row: 535" } });
    await updateEmailAccount(f.db, account.id, { displayName: "Fixed" }, user);
    expect((await accountRow(account.id)).incomingStatus).toBe("active");
  });
});

describe("an account added before its user connected", () => {
  it("pauses both sides as not connected, and the first connect resumes them", async () => {
    const user = await f.signedIn(await f.createUser("early@example.test"));
    await f.dovecot.deliver("early@example.test", testMessage({ subject: "waiting for the connect" }));
    const account = await createEmailAccount(
      f.db,
      {
        emailAddress: "early@example.test",
        authMethod: "oauth",
        connectedAppId: f.appId,
        imap: { host: "127.0.0.1", port: f.dovecot.port, security: "none", login: "early@example.test" },
        smtp: { host: "127.0.0.1", port: smtp.port, security: "none", login: "early@example.test" },
      },
      user,
    );
    const session = new AccountSession(f.db, account.id, null);
    await session.done;
    await enqueueOutboundMessage(f.db, { emailAccountId: account.id, input: { to: ["someone@example.test"], subject: "queued before the connect", text: "hello" }, caller: user });
    expect(await drainOutboundQueue(f.db, account.id)).toMatchObject({ sent: 0 });
    const waiting = await accountRow(account.id);
    expect([waiting.incomingStatus, waiting.outgoingStatus]).toEqual(["paused", "paused"]);
    expect(waiting.incomingPausedReason).toContain("not connected");

    await f.connect(f.appId, user.id, "early@example.test");
    expect(await followConnectionStatus(f.db)).toMatchObject({ resumed: 1 });
    const resumed = await accountRow(account.id);
    expect([resumed.incomingStatus, resumed.outgoingStatus, resumed.incomingPausedReason, resumed.outgoingPausedReason]).toEqual(["active", "active", null, null]);
    const again = new AccountSession(f.db, account.id, null);
    registerCleanup(() => again.stop());
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "waiting for the connect" } }), 15_000, "the first sync after the connect");
    expect(await drainOutboundQueue(f.db, account.id)).toMatchObject({ sent: 1 });
  });
});

describe("an account whose connection's user is gone", () => {
  it("fails closed instead of signing in with the app-only token", async () => {
    const app = await f.createApp({ appOnlyMailbox: "orphan@example.test" });
    const { user, account } = await f.mailAccountOwner(app.id, "orphan@example.test", { imap: f.dovecot.port, smtp: smtp.port });
    await f.dovecot.deliver("orphan@example.test", testMessage({ subject: "must not be read" }));
    // The owner is an admin now; the user whose connection the account used is deleted.
    await f.db.emailAccount.update({ where: { id: account.id }, data: { ownerId: adminId } });
    await f.db.user.delete({ where: { id: user.id } });
    const orphaned = await accountRow(account.id);
    expect(orphaned.connectedUserId).toBeNull();
    expect(orphaned.servicePrincipal).toBe(false);

    f.provider.resetCounters();
    const session = new AccountSession(f.db, account.id, null);
    registerCleanup(() => session.stop());
    await session.done;
    expect(f.provider.tokenRequests("client_credentials")).toBe(0);
    expect(await f.db.inboundMessage.count({ where: { emailAccountId: account.id } })).toBe(0);
    const after = await accountRow(account.id);
    expect(after.incomingStatus).toBe("paused");
    expect(after.lastError).toContain("no longer exists");
  });
});
