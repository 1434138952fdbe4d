import { randomUUID } from "node:crypto";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SignedInUser } from "#lib/auth/sign-in";
import { createEmailAccount } from "#lib/email-accounts/create-email-account";
import type { CreateEmailAccountInput, PublicEmailAccount } from "#lib/email-accounts/schemas";
import { updateEmailAccount } from "#lib/email-accounts/update-email-account";
import { setRuntimeEnv } from "#lib/env";
import { errorBody } from "#lib/errors";
import { reconnectReminder } from "#lib/jobs/reconnect-reminder";
import { stopJobSender } from "#lib/queue/enqueue-job";
import { emailOwnerToReconnect } from "#lib/outbound/email-reconnect-reminder";
import { markNotificationRead } from "#lib/notifications/list-notifications";
import { notify } from "#lib/notifications/notify";
import { drainOutboundQueue } from "#lib/outbound/drain-outbound-queue";
import { RECONNECT_NOTIFICATION } from "#lib/tokens/connection-status";
import { getAccessToken } from "#lib/tokens/get-access-token";
import { openAccessToken, openRefreshToken } from "#lib/tokens/token-columns";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";
import { startSmtpServer, type TestSmtpServer } from "#tests/support/smtp-server";
import { appError } from "#tests/support/refusals";
import { runQueuedJobs } from "#tests/support/run-queued-jobs";

// The e-mail half of "a notification when a connection needs re-authorisation":
// the owner of a connection that breaks gets one e-mail per new in-app
// notification, from the default outgoing account, when that account can send it.

let f: OAuthFixture;
let app: Awaited<ReturnType<OAuthFixture["createApp"]>>;
let smtp: TestSmtpServer;
let admin: SignedInUser;
const APP_URL = "http://127.0.0.1:3999"; // set by createOAuthFixture

beforeAll(async () => {
  f = await createOAuthFixture();
  // Queuing a message wakes its drain through pg-boss: on this file's database.
  setRuntimeEnv({ DATABASE_URL: f.databaseUrl });
  app = await f.createApp();
  smtp = await startSmtpServer({ introspect: (token) => f.provider.introspect(token) });
  admin = await f.signedIn(await f.createUser("admin@example.test", "admin"));
});

afterAll(async () => {
  await stopJobSender();
});

// Each test chooses its own system sender (or none).
beforeEach(async () => {
  await f.db.emailAccount.updateMany({ where: { isDefaultOutgoing: true }, data: { isDefaultOutgoing: false } });
});

/** A user connected to the test provider as `email`, owning an OAuth account that sends through the test SMTP server. */
function mailUser(email: string, overrides: Partial<CreateEmailAccountInput> = {}, role: "admin" | "user" = "user") {
  return f.mailAccountOwner(app.id, email, { imap: 993, smtp: smtp.port }, { overrides: { displayName: "Connected Apps", ...overrides }, role });
}

/** An admin's mailbox made the default outgoing account: the system sender. */
async function systemSender(email: string): Promise<PublicEmailAccount> {
  return (await mailUser(email, { isDefaultOutgoing: true }, "admin")).account;
}

/** A user whose connection is about to be refreshed (60 s left, inside the 300 s margin). */
async function connectedWithStaleToken(email: string): Promise<string> {
  const userId = await f.createUser(email);
  f.provider.setAccessTokenTtl(60);
  try {
    await f.connect(app.id, userId, email);
  } finally {
    f.provider.setAccessTokenTtl(3600);
  }
  return userId;
}

/** The worker's part: the reconnect-reminder jobs the token path queued, each sent to the outbound queue. */
const runReminderJobs = () => runQueuedJobs(f.databaseUrl, reconnectReminder);

/** The provider revokes the user's grant: the next refresh gets invalid_grant and the connection needs reauthorisation. */
async function breakConnection(userId: string, email: string): Promise<void> {
  await f.provider.revokeGrantsOf(email);
  await expect(getAccessToken(f.db, app.id, userId)).rejects.toMatchObject({ code: "needs_reauth" });
  await runReminderJobs();
}

/** As if another process had not seen the failure yet: the row is active again with a stale token, the grant still revoked. */
async function failAgain(userId: string): Promise<void> {
  await f.db.tokenCache.updateMany({
    where: { connectedAppId: app.id, userId },
    data: { status: "active", expiresAt: new Date(Date.now() + 60_000) },
  });
  await expect(getAccessToken(f.db, app.id, userId)).rejects.toMatchObject({ code: "needs_reauth" });
  await runReminderJobs();
}

const reminders = (where: { emailAccountId?: string } = {}) =>
  f.db.outboundMessage.findMany({ where: { ...where, idempotencyKey: { startsWith: "reconnect-reminder:" } }, orderBy: { createdAt: "asc" } });

const unreadReconnectNotifications = (userId: string) =>
  f.db.notification.findMany({ where: { userId, kind: RECONNECT_NOTIFICATION, readAt: null } });

describe("the reconnect e-mail", () => {
  it("goes once to the owner from the default outgoing account, with the notification's words, a link and no token", async () => {
    const sender = await systemSender("postmaster@example.test");
    const userId = await connectedWithStaleToken("owner@example.test");
    const before = await f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: app.id, userId } });
    const secrets = [openAccessToken(before.id, before.accessTokenSealed!), openRefreshToken(before.id, before.refreshTokenSealed!), app.clientSecret];

    await breakConnection(userId, "owner@example.test");

    const [notification] = await unreadReconnectNotifications(userId);
    expect(notification).toBeDefined();
    const queued = await reminders();
    expect(queued).toHaveLength(1);
    const [mail] = queued;
    expect(mail).toMatchObject({
      emailAccountId: sender.id,
      toAddresses: ["owner@example.test"],
      ccAddresses: [],
      bccAddresses: [],
      subject: "Reconnect your Test IdP account",
      status: "queued",
      idempotencyKey: `reconnect-reminder:${notification!.id}`,
    });
    expect(mail!.subject).toBe(notification!.title);
    expect(mail!.text).toContain(notification!.body);
    expect(mail!.text).toContain(`${APP_URL}/connections`);
    for (const secret of secrets) {
      expect(mail!.subject).not.toContain(secret);
      expect(mail!.text).not.toContain(secret);
    }

    // And it really goes out, from the system sender, through the outbound queue.
    expect(await drainOutboundQueue(f.db, sender.id)).toMatchObject({ sent: 1, failed: 0 });
    const delivered = smtp.messages.filter((m) => m.envelope.to.includes("owner@example.test"));
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.authUser).toBe("postmaster@example.test");
    const parsed = await simpleParser(delivered[0]!.raw);
    expect(parsed.from?.value).toEqual([{ name: "Connected Apps", address: "postmaster@example.test" }]);
    expect(parsed.subject).toBe("Reconnect your Test IdP account");
    expect(parsed.text).toContain(`${APP_URL}/connections`);
    for (const secret of secrets) expect(delivered[0]!.raw.toString()).not.toContain(secret);
  });

  it("is not sent again while the notification is unread, and is sent again for a new notification", async () => {
    await systemSender("postmaster2@example.test");
    const userId = await connectedWithStaleToken("again@example.test");
    await breakConnection(userId, "again@example.test");
    const toOwner = async () => (await reminders()).filter((m) => m.toAddresses.includes("again@example.test"));
    expect(await toOwner()).toHaveLength(1);

    // A second failure while the first notification is unread refreshes it and queues nothing,
    // even from another default account (whose idempotency keys are its own).
    await systemSender("postmaster2b@example.test");
    await failAgain(userId);
    const unread = await unreadReconnectNotifications(userId);
    expect(unread).toHaveLength(1);
    expect(await toOwner()).toHaveLength(1);

    // Once the user has read it, a new failure is news again: a new notification, a new e-mail.
    expect(await markNotificationRead(f.db, userId, unread[0]!.id)).toBe(true);
    await failAgain(userId);
    const [fresh] = await unreadReconnectNotifications(userId);
    expect(fresh!.id).not.toBe(unread[0]!.id);
    const mails = await toOwner();
    expect(mails.map((m) => m.idempotencyKey)).toEqual([`reconnect-reminder:${unread[0]!.id}`, `reconnect-reminder:${fresh!.id}`]);
  });

  it("follows notify(), which says whether it created a notification or refreshed an unread one", async () => {
    const userId = await f.createUser("notified@example.test");
    const input = { userId, kind: "test.kind", title: "T", body: "B", link: "/somewhere" };
    const first = await notify(f.db, input);
    expect(first.created).toBe(true);
    expect(await notify(f.db, { ...input, body: "B again" })).toEqual({ id: first.id, created: false });
    await markNotificationRead(f.db, userId, first.id);
    const third = await notify(f.db, input);
    expect(third.created).toBe(true);
    expect(third.id).not.toBe(first.id);
  });

  it("is keyed by the notification: queuing the same reminder twice stores one message", async () => {
    const sender = await systemSender("postmaster3@example.test");
    const owner = await f.createUser("keyed@example.test");
    const reminder = {
      notificationId: randomUUID(),
      ownerId: owner,
      connection: { connectedAppId: app.id, userId: owner },
      subject: "Reconnect your Test IdP account",
      body: "Test IdP no longer accepts this app's access. Open My connections and click Reconnect.",
    };
    const first = await emailOwnerToReconnect(f.db, reminder);
    const second = await emailOwnerToReconnect(f.db, reminder);
    expect(first).toMatchObject({ queued: true });
    expect(second).toEqual(first);
    expect(await reminders({ emailAccountId: sender.id })).toHaveLength(1);
  });

  it("is not queued without a default outgoing account, but the in-app notification is there", async () => {
    // Accounts that could send exist; none is the default.
    await mailUser("ordinary@example.test");
    const before = await f.db.outboundMessage.count();
    const userId = await connectedWithStaleToken("nodefault@example.test");
    await breakConnection(userId, "nodefault@example.test");

    expect((await unreadReconnectNotifications(userId)).map((n) => n.title)).toEqual(["Reconnect your Test IdP account"]);
    expect(await f.db.outboundMessage.count()).toBe(before);
  });

  it("is not queued from a default account that sends with the broken connection itself", async () => {
    // The owner's own mailbox, on the connection that breaks, made the default by an admin.
    const { user, account } = await mailUser("self@example.test");
    f.provider.setAccessTokenTtl(60);
    await f.connect(app.id, user.id, "self@example.test"); // reconnect in place, with a token due for refresh
    f.provider.setAccessTokenTtl(3600);
    await updateEmailAccount(f.db, account.id, { isDefaultOutgoing: true }, admin);

    await breakConnection(user.id, "self@example.test");

    expect(await unreadReconnectNotifications(user.id)).toHaveLength(1);
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: account.id } })).toBe(0);
  });

  it("treats an app-only (service principal) default account as depending on the app-only token only", async () => {
    const shared = await createEmailAccount(
      f.db,
      {
        emailAddress: "shared@example.test",
        authMethod: "oauth",
        connectedAppId: app.id,
        servicePrincipal: true,
        isDefaultOutgoing: true,
        imap: { host: "127.0.0.1", port: 993, security: "none", login: "shared@example.test" },
        smtp: { host: "127.0.0.1", port: smtp.port, security: "none", login: "shared@example.test" },
      },
      admin,
    );
    const owner = await f.createUser("sp-owner@example.test");
    const reminder = (userId: string | null) => ({
      notificationId: randomUUID(),
      ownerId: owner,
      connection: { connectedAppId: app.id, userId },
      subject: "Reconnect your Test IdP account",
      body: "Test IdP no longer accepts this app's access.",
    });

    expect(await emailOwnerToReconnect(f.db, reminder(null))).toEqual({ queued: false, reason: "sender_uses_broken_connection" });
    expect(await emailOwnerToReconnect(f.db, reminder(owner))).toMatchObject({ queued: true });
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: shared.id } })).toBe(1);
  });

  it("is not queued from a default account whose sending is off or paused", async () => {
    const sender = await systemSender("postmaster4@example.test");
    await f.db.emailAccount.update({ where: { id: sender.id }, data: { enableOutgoing: false } });
    const off = await connectedWithStaleToken("off@example.test");
    await breakConnection(off, "off@example.test");

    await f.db.emailAccount.update({ where: { id: sender.id }, data: { enableOutgoing: true, outgoingStatus: "paused", outgoingPausedReason: "test" } });
    const paused = await connectedWithStaleToken("paused@example.test");
    await breakConnection(paused, "paused@example.test");

    expect(await unreadReconnectNotifications(off)).toHaveLength(1);
    expect(await unreadReconnectNotifications(paused)).toHaveLength(1);
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: sender.id } })).toBe(0);
  });

  it("does not fail the token path when the message cannot be queued", async () => {
    const sender = await systemSender("postmaster5@example.test");
    // An address the outbound queue refuses (users made by the CLI or the API always have a valid one).
    const userId = await connectedWithStaleToken("not-an-address");

    await breakConnection(userId, "not-an-address");

    expect((await f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: app.id, userId } })).status).toBe("needs_reauth");
    expect(await unreadReconnectNotifications(userId)).toHaveLength(1);
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: sender.id } })).toBe(0);
  });
});

describe("the default outgoing account", () => {
  it("can be chosen by admins only: a user gets 403 forbidden", async () => {
    const { user, account } = await mailUser("plain@example.test");
    const accounts = await f.db.emailAccount.count();

    const onCreate = await appError(
      createEmailAccount(
        f.db,
        {
          emailAddress: "plain2@example.test",
          authMethod: "password",
          password: "pw",
          isDefaultOutgoing: true,
          imap: { host: "127.0.0.1", port: 993, security: "none", login: "plain2@example.test" },
          smtp: { host: "127.0.0.1", port: smtp.port, security: "none", login: "plain2@example.test" },
        },
        user,
      ),
    );
    expect(onCreate.status).toBe(403);
    expect(errorBody(onCreate)).toEqual({ error: { code: "forbidden", message: "Only admins can make an account the default outgoing account" } });
    expect(await f.db.emailAccount.count()).toBe(accounts);

    const onUpdate = await appError(updateEmailAccount(f.db, account.id, { isDefaultOutgoing: true }, user));
    expect(onUpdate.status).toBe(403);
    expect(onUpdate.code).toBe("forbidden");
    expect(await f.db.emailAccount.count({ where: { isDefaultOutgoing: true } })).toBe(0);

    // Saving other settings, or turning it off, is theirs to do.
    expect((await updateEmailAccount(f.db, account.id, { displayName: "Plain", isDefaultOutgoing: false }, user)).isDefaultOutgoing).toBe(false);
  });

  it("is one account at most: choosing another clears the first, and a save that leaves the field out keeps it", async () => {
    const first = await systemSender("first@example.test");
    const { user: owner, account: second } = await mailUser("second@example.test");
    expect(first.isDefaultOutgoing).toBe(true);
    expect(second.isDefaultOutgoing).toBe(false);

    const chosen = await updateEmailAccount(f.db, second.id, { isDefaultOutgoing: true }, admin);
    expect(chosen.isDefaultOutgoing).toBe(true);
    const defaults = await f.db.emailAccount.findMany({ where: { isDefaultOutgoing: true }, select: { id: true } });
    expect(defaults).toEqual([{ id: second.id }]);
    const audit = await f.db.auditEvent.findFirstOrThrow({ where: { action: "email_account.update", targetId: second.id }, orderBy: { createdAt: "desc" } });
    expect(audit.details).toMatchObject({ clearedDefaultOutgoing: [first.id] });

    // A save that leaves the field out keeps it the default.
    expect((await updateEmailAccount(f.db, second.id, { displayName: "Second" }, admin)).isDefaultOutgoing).toBe(true);
    // Once it is the default, its owner (not an admin) may no longer change it: it writes to everyone in the app's name.
    for (const change of [{ displayName: "Spoofed" }, { emailAddress: "ceo@example.test" }, { smtp: { host: "127.0.0.1", port: 2525, security: "none" as const, login: "x" } }]) {
      const refused = await appError(updateEmailAccount(f.db, second.id, change, owner));
      expect([change, refused.status]).toEqual([change, 403]);
    }
    expect((await f.db.emailAccount.findUniqueOrThrow({ where: { id: second.id } })).displayName).toBe("Second");

    // The database holds the rule too (partial unique index), whatever code writes.
    await expect(f.db.emailAccount.update({ where: { id: first.id }, data: { isDefaultOutgoing: true } })).rejects.toMatchObject({ code: "P2002" });

    // Withdrawing it is theirs to do.
    expect((await updateEmailAccount(f.db, second.id, { isDefaultOutgoing: false }, owner)).isDefaultOutgoing).toBe(false);
  });
});
