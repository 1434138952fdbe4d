import { beforeAll, describe, expect, it } from "vitest";
import { createImapClient } from "#lib/mail/connect-imap";
import { mailCredentials } from "#lib/mail/mail-credentials";
import { syncFolder } from "#lib/mail/sync-folder";
import { AccountSession } from "#lib/mail/account-session";
import { testMailConnection } from "#lib/mail/test-mail-connection";
import { followConnectionStatus } from "#lib/mail/follow-connection-status";
import { createEmailAccount } from "#lib/email-accounts/create-email-account";
import { testAccountChanges } from "#lib/email-accounts/test-account-changes";
import { freePort } from "#tests/support/net";
import { registerCleanup } from "#tests/support/cleanup";
import { setRuntimeEnv } from "#lib/env";
import { createMailFixture, testMessage, waitFor, type MailFixture } from "#tests/support/mail-fixture";

let f: MailFixture;

beforeAll(async () => {
  f = await createMailFixture();
});

async function syncOnce(accountId: string, folder = "INBOX") {
  const account = await f.db.emailAccount.findUniqueOrThrow({ where: { id: accountId } });
  const client = await createImapClient(
    { host: account.imapHost, port: account.imapPort, security: account.imapSecurity },
    await mailCredentials(f.db, account, account.imapLogin),
  );
  await client.connect();
  try {
    return await syncFolder(f.db, client, account, folder, null);
  } finally {
    await client.logout();
  }
}

describe("IMAP sync over XOAUTH2 against Dovecot", () => {
  it("tests the connection: IMAP signs in with the user's token", async () => {
    const { account } = await f.mailUser("probe@example.test");
    await f.dovecot.deliver("probe@example.test", testMessage());
    const row = await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } });
    const result = await testMailConnection(f.db, row);
    expect(result.imap.ok).toBe(true);
    // The server's folders, for the form's folder choice and the Sent folder (Dovecot marks its roles).
    expect(result.imap.folders).toEqual(
      expect.arrayContaining([
        { path: "INBOX", specialUse: "\\Inbox" },
        { path: "Sent", specialUse: "\\Sent" },
        { path: "Trash", specialUse: "\\Trash" },
      ]),
    );
  });

  it("tests the settings on a saved account's screen, unsaved, over the stored ones", async () => {
    const { user, account } = await f.mailUser("screen@example.test");
    const closed = await freePort();
    const moved = await testAccountChanges(f.db, account.id, { imap: { ...account.imap, port: closed } }, user);
    expect(moved.imap.ok).toBe(false);
    expect(moved.imap.error).toMatch(/refused|could not connect|reach/i);
    // Nothing was saved: the stored settings still sign in.
    expect((await testAccountChanges(f.db, account.id, undefined, user)).imap.ok).toBe(true);
    expect((await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } })).imapPort).toBe(account.imap.port);
  });

  it("keeps the read state in step with the server's \\Seen flag, both ways, and once for folders synced before it was kept", async () => {
    const { account } = await f.mailUser("flags@example.test");
    await f.dovecot.deliverMany("flags@example.test", [testMessage({ subject: "one" }), testMessage({ subject: "two" })]);
    await syncOnce(account.id);
    const seen = async () =>
      Object.fromEntries((await f.db.inboundMessage.findMany({ where: { emailAccountId: account.id }, select: { subject: true, seen: true } })).map((m) => [m.subject, m.seen]));
    expect(await seen()).toEqual({ one: false, two: false });

    const row = await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } });
    const other = await createImapClient({ host: row.imapHost, port: row.imapPort, security: row.imapSecurity }, await mailCredentials(f.db, row, row.imapLogin));
    await other.connect();
    try {
      await other.mailboxOpen("INBOX");
      await other.messageFlagsAdd("1", ["\\Seen"], { uid: true });
      await syncOnce(account.id);
      expect(await seen()).toEqual({ one: true, two: false });
      await other.messageFlagsRemove("1", ["\\Seen"], { uid: true });
      await other.messageFlagsAdd("2", ["\\Seen"], { uid: true });
      await syncOnce(account.id);
      expect(await seen()).toEqual({ one: false, two: true });

      // A folder synced before read state was kept has no HIGHESTMODSEQ stored: every flag is fetched once.
      await f.db.mailboxState.updateMany({ where: { emailAccountId: account.id }, data: { highestModseq: null } });
      await f.db.inboundMessage.updateMany({ where: { emailAccountId: account.id }, data: { seen: true } });
      await syncOnce(account.id);
      expect(await seen()).toEqual({ one: false, two: true });
    } finally {
      await other.logout();
    }
  });

  it("syncs a mailbox of 1,000 messages once, exactly once", async () => {
    const { account } = await f.mailUser("thousand@example.test");
    await f.dovecot.deliverMany("thousand@example.test", Array.from({ length: 1000 }, () => testMessage()));
    expect((await syncOnce(account.id)).stored).toBe(1000);
    expect(await f.db.inboundMessage.count({ where: { emailAccountId: account.id } })).toBe(1000);
    expect((await syncOnce(account.id)).stored).toBe(0);
    const state = await f.db.mailboxState.findFirstOrThrow({ where: { emailAccountId: account.id } });
    expect(state.lastUid).toBe(1000n);
    expect((await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } })).messagesSynced).toBe(1000);
  });

  it("decodes other charsets and keeps attachments", async () => {
    const { account } = await f.mailUser("charsets@example.test");
    const latin1 = Buffer.concat([
      Buffer.from("From: a@example.test\r\nTo: b@example.test\r\nSubject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\r\nMessage-ID: <latin1@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"),
      Buffer.from("Voil\xe0 un caf\xe9.\r\n", "latin1"),
    ]);
    const withAttachment = [
      "From: a@example.test",
      "To: b@example.test",
      "Subject: Report",
      "Message-ID: <attach@example.test>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "See the report.",
      "--b1",
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Disposition: attachment; filename="report.pdf"',
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("%PDF-1.4 test").toString("base64"),
      "--b1--",
      "",
    ].join("\r\n");
    await f.dovecot.deliverMany("charsets@example.test", [latin1, withAttachment]);
    expect((await syncOnce(account.id)).stored).toBe(2);
    const cafe = await f.db.inboundMessage.findFirstOrThrow({ where: { emailAccountId: account.id, messageId: "<latin1@example.test>" } });
    expect(cafe.subject).toBe("Café crème");
    expect(cafe.text?.trim()).toBe("Voilà un café.");
    const report = await f.db.inboundMessage.findFirstOrThrow({
      where: { emailAccountId: account.id, messageId: "<attach@example.test>" },
      include: { attachments: true },
    });
    expect(report.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([["report.pdf", "application/pdf", 13]]);
    expect(Buffer.from(report.attachments[0]!.content).toString()).toBe("%PDF-1.4 test");
  });

  it("records a message over MAIL_MAX_MESSAGE_BYTES by its headers and moves past it", async () => {
    const { account } = await f.mailUser("huge@example.test");
    setRuntimeEnv({ MAIL_MAX_MESSAGE_BYTES: "4000" });
    try {
      await f.dovecot.deliverMany("huge@example.test", [
        testMessage({ subject: "too big", body: "x".repeat(10_000) }),
        testMessage({ subject: "small after it" }),
      ]);
      expect((await syncOnce(account.id)).stored).toBe(2);
    } finally {
      setRuntimeEnv({ MAIL_MAX_MESSAGE_BYTES: "26214400" });
    }
    const big = await f.db.inboundMessage.findFirstOrThrow({ where: { emailAccountId: account.id, subject: "too big" } });
    expect(big.skippedReason).toMatch(/larger than 4000 bytes/);
    expect(big.text).toBeNull();
    expect(await f.db.inboundMessage.count({ where: { emailAccountId: account.id, subject: "small after it" } })).toBe(1);
  });

  it("reads a shared mailbox as the app (service principal) with a client-credentials token", async () => {
    const app = await f.createApp({ scopes: ["mail"], appOnlyMailbox: "shared-box@example.test" });
    const adminId = await f.createUser("mail-admin@example.test", "admin");
    const account = await createEmailAccount(
      f.db,
      {
        emailAddress: "shared-box@example.test",
        authMethod: "oauth",
        connectedAppId: app.id,
        servicePrincipal: true,
        imap: { host: "127.0.0.1", port: f.dovecot.port, security: "none", login: "shared-box@example.test" },
        smtp: { host: "127.0.0.1", port: 2525, security: "none", login: "shared-box@example.test" },
      },
      { id: adminId, email: "mail-admin@example.test", name: "admin", role: "admin" },
    );
    await f.dovecot.deliver("shared-box@example.test", testMessage({ subject: "for the team" }));
    expect((await syncOnce(account.id)).stored).toBe(1);
    expect(f.provider.tokenRequests("client_credentials")).toBeGreaterThanOrEqual(1);
    const appOnly = await f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: app.id, principalKey: "app" } });
    expect(appOnly.userId).toBeNull();
  });

  it("resyncs after a UIDVALIDITY change without storing anything twice", async () => {
    const { account } = await f.mailUser("validity@example.test");
    await f.dovecot.deliverMany("validity@example.test", [testMessage(), testMessage()]);
    expect((await syncOnce(account.id)).stored).toBe(2);
    const before = await f.db.mailboxState.findFirstOrThrow({ where: { emailAccountId: account.id } });
    await f.dovecot.resetUidValidity("validity@example.test");
    await f.dovecot.deliver("validity@example.test", testMessage({ subject: "after the change" }));
    expect((await syncOnce(account.id)).stored).toBe(1);
    const after = await f.db.mailboxState.findFirstOrThrow({ where: { emailAccountId: account.id } });
    expect(after.uidValidity).not.toBe(before.uidValidity);
    expect(await f.db.inboundMessage.count({ where: { emailAccountId: account.id } })).toBe(3);
  });

  it("stores new mail within seconds while IDLE", async () => {
    const { account } = await f.mailUser("idle@example.test");
    await f.dovecot.deliver("idle@example.test", testMessage({ subject: "already there" }));
    const session = new AccountSession(f.db, account.id, null);
    registerCleanup(() => session.stop());
    await waitFor(async () => (await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } })).lastSyncAt, 10_000, "first sync");
    const sent = Date.now();
    await f.dovecot.deliver("idle@example.test", testMessage({ subject: "arrives during IDLE" }));
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "arrives during IDLE" } }), 10_000, "the IDLE delivery");
    expect(Date.now() - sent).toBeLessThan(10_000);
    await session.stop();
  });

  it("stores mail that reached INBOX while another folder was syncing, before it IDLEs (not at the next poll, an hour later)", async () => {
    const mailbox = "busy-round@example.test";
    const { account } = await f.mailUser(mailbox, { folders: ["INBOX", "Archive"], pollIntervalSeconds: 3600 });
    // A large Archive keeps the first round busy after INBOX was synced.
    await f.dovecot.deliverMany(mailbox, Array.from({ length: 3000 }, (_, index) => testMessage({ subject: `archived ${index}` })), "Archive");
    const session = new AccountSession(f.db, account.id, null);
    registerCleanup(() => session.stop());
    await waitFor(
      () => f.db.mailboxState.findUnique({ where: { emailAccountId_folder: { emailAccountId: account.id, folder: "INBOX" } } }),
      30_000,
      "INBOX synced in the first round",
    );
    const archivedBefore = await f.db.inboundMessage.count({ where: { emailAccountId: account.id, folder: "Archive" } });
    await f.dovecot.deliver(mailbox, testMessage({ subject: "while Archive was syncing" }));
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "while Archive was syncing" } }), 60_000, "the INBOX message");
    // The message came while the round was still on Archive: the case this test is about.
    expect(archivedBefore).toBeLessThan(3000);
    expect(await f.db.inboundMessage.count({ where: { emailAccountId: account.id, folder: "Archive" } })).toBe(3000);
    await session.stop();
  });

  it("finds new mail on Sync now in a folder that was empty, without IDLE (the selected folder's count is asked again)", async () => {
    const { account } = await f.mailUser("polled@example.test", { useIdle: false, pollIntervalSeconds: 3600 });
    await f.dovecot.createFolder("polled@example.test", "Archive");
    const session = new AccountSession(f.db, account.id, null);
    registerCleanup(() => session.stop());
    await waitFor(async () => (await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } })).lastSyncAt, 10_000, "first sync");
    await f.dovecot.deliver("polled@example.test", testMessage({ subject: "into an empty INBOX" }));
    session.syncNow();
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "into an empty INBOX" } }), 15_000, "the message a Sync now found");
    await session.stop();
  });

  it("reconnects with a refreshed token when the token expired during the session and the server dropped it", async () => {
    // Tokens live 2 s: the session signs in with one that expires while it stays connected.
    f.provider.setAccessTokenTtl(2);
    const { user, account } = await f.mailUser("expiring@example.test");
    await f.dovecot.deliver("expiring@example.test", testMessage({ subject: "first" }));
    const session = new AccountSession(f.db, account.id, null);
    registerCleanup(() => session.stop());
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "first" } }), 15_000, "the first message");
    f.provider.setAccessTokenTtl(3600);
    const tokenBefore = await f.db.tokenCache.findFirstOrThrow({ where: { userId: user.id } });
    // Let the token expire under the open session, then have the server drop it (Dovecot kicks the session).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    f.provider.resetCounters();
    await f.dovecot.resetUidValidity("expiring@example.test");
    await f.dovecot.deliver("expiring@example.test", testMessage({ subject: "after the drop" }));
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "after the drop" } }), 30_000, "the message after the drop");
    expect(f.provider.tokenRequests("refresh_token")).toBeGreaterThanOrEqual(1);
    const tokenAfter = await f.db.tokenCache.findFirstOrThrow({ where: { userId: user.id } });
    expect(tokenAfter.version).toBeGreaterThan(tokenBefore.version);
    const row = await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } });
    expect(row.incomingStatus).not.toBe("paused");
    await session.stop();
  });

  it("pauses both sides and tells the owner when the provider revokes the connection; a reconnect resumes them", async () => {
    const { user, account } = await f.mailUser("revoked-mail@example.test");
    await f.dovecot.deliver("revoked-mail@example.test", testMessage());
    await f.provider.revokeGrantsOf("revoked-mail@example.test");
    // Revoking the grant kills its tokens too; make the cached one look stale so the session must refresh.
    await f.db.tokenCache.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() + 1000) } });
    const session = new AccountSession(f.db, account.id, null);
    registerCleanup(() => session.stop());
    await session.done;
    const row = await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } });
    expect(row.incomingStatus).toBe("paused");
    expect(row.outgoingStatus).toBe("paused");
    expect(row.incomingPausedReason).toMatch(/^Reconnect needed: the Test IdP connection no longer works/);
    const titles = (await f.db.notification.findMany({ where: { userId: user.id } })).map((n) => n.title);
    expect(titles).toContain("Reconnect your Test IdP account");
    expect(titles).toContain("Mail paused for revoked-mail@example.test");

    await f.connect(f.appId, user.id, "revoked-mail@example.test");
    expect(await followConnectionStatus(f.db)).toMatchObject({ resumed: 1 });
    const resumed = await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } });
    expect([resumed.incomingStatus, resumed.outgoingStatus, resumed.incomingPausedReason]).toEqual(["active", "active", null]);
  });
});
