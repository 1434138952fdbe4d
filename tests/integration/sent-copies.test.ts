import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createImapClient } from "#lib/mail/connect-imap";
import { mailCredentials } from "#lib/mail/mail-credentials";
import { appendSentCopies, accountsWithPendingSentCopies } from "#lib/outbound/append-sent-copies";
import { drainOutboundQueue } from "#lib/outbound/drain-outbound-queue";
import { enqueueOutboundMessage } from "#lib/outbound/enqueue-outbound-message";
import { getOutboundMessageOrThrow } from "#lib/outbound/get-outbound-message";
import { stopJobSender } from "#lib/queue/enqueue-job";
import { setRuntimeEnv } from "#lib/env";
import { createMailFixture, type MailFixture } from "#tests/support/mail-fixture";
import { startSmtpServer, type TestSmtpServer } from "#tests/support/smtp-server";

/** Copies of sent mail in the account's Sent folder on a real Dovecot, as a mail client keeps them. */

let f: MailFixture;
let smtp: TestSmtpServer;

beforeAll(async () => {
  f = await createMailFixture();
  setRuntimeEnv({ DATABASE_URL: f.databaseUrl });
  smtp = await startSmtpServer({ introspect: (token) => f.provider.introspect(token) });
});

afterAll(async () => {
  await stopJobSender();
});

function sender(email: string, overrides: Parameters<MailFixture["mailUser"]>[1] = {}) {
  return f.mailUser(email, { smtp: { host: "127.0.0.1", port: smtp.port, security: "none", login: email }, ...overrides });
}

/** The messages of a folder of the account's mailbox, parsed, with their flags. */
async function folderOf(accountId: string, folder: string) {
  const account = await f.db.emailAccount.findUniqueOrThrow({ where: { id: accountId } });
  const client = await createImapClient({ host: account.imapHost, port: account.imapPort, security: account.imapSecurity }, await mailCredentials(f.db, account, account.imapLogin));
  await client.connect();
  try {
    await client.mailboxOpen(folder);
    const found = [];
    for await (const message of client.fetch("1:*", { source: true, flags: true, internalDate: true })) {
      found.push({ parsed: await simpleParser(message.source!), raw: message.source!.toString(), flags: message.flags, internalDate: message.internalDate });
    }
    return found;
  } catch (error) {
    if (String(error).includes("Mailbox doesn't exist") || (error as { serverResponseCode?: string }).serverResponseCode === "NONEXISTENT") return [];
    throw error;
  } finally {
    await client.logout();
  }
}

describe("copies of sent mail in the Sent folder", () => {
  it("appends each sent message once to the folder the server marks \\Sent: read, dated when sent, Bcc and files kept", async () => {
    const who = await sender("copies@example.test");
    expect(who.account.appendToSent).toBe(true);
    const { record } = await enqueueOutboundMessage(f.db, {
      emailAccountId: who.account.id,
      caller: who.user,
      input: {
        to: ["erin@example.org"],
        bcc: ["archive@example.org"],
        subject: "Kept in Sent",
        text: "The copy.",
        attachments: [{ filename: "a.txt", contentType: "text/plain", contentBase64: Buffer.from("file body").toString("base64") }],
      },
    });
    await drainOutboundQueue(f.db, who.account.id);
    expect(await accountsWithPendingSentCopies(f.db)).toContain(who.account.id);
    expect(await appendSentCopies(f.db, who.account.id)).toEqual({ appended: 1, failed: 0 });
    // A second run (the drain's job and the sweep may both come) adds nothing.
    expect(await appendSentCopies(f.db, who.account.id)).toEqual({ appended: 0, failed: 0 });
    expect(await accountsWithPendingSentCopies(f.db)).not.toContain(who.account.id);

    const sent = await folderOf(who.account.id, "Sent");
    expect(sent).toHaveLength(1);
    const [copy] = sent;
    expect(copy!.parsed.messageId).toBe(record.messageId);
    expect(copy!.raw).toMatch(/^Bcc: archive@example\.org\r?$/m);
    expect(copy!.parsed.attachments.map((file) => [file.filename, file.content.toString()])).toEqual([["a.txt", "file body"]]);
    expect(copy!.flags?.has("\\Seen")).toBe(true);
    const row = await f.db.outboundMessage.findUniqueOrThrow({ where: { id: record.id } });
    expect(Math.abs(new Date(copy!.internalDate!).getTime() - row.sentAt!.getTime())).toBeLessThan(1000);
    expect((await getOutboundMessageOrThrow(f.db, record.id, who.user)).sentCopy).toEqual({ at: expect.any(String), error: null });
  });

  it("does not copy twice a message already in the folder (a run stopped between the append and recording it)", async () => {
    const who = await sender("twice@example.test");
    const { record } = await enqueueOutboundMessage(f.db, { emailAccountId: who.account.id, caller: who.user, input: { to: ["x@example.org"], subject: "Once", text: "x" } });
    await drainOutboundQueue(f.db, who.account.id);
    await appendSentCopies(f.db, who.account.id);
    await f.db.outboundMessage.update({ where: { id: record.id }, data: { sentCopyAt: null } });
    expect(await appendSentCopies(f.db, who.account.id)).toEqual({ appended: 1, failed: 0 });
    expect(await folderOf(who.account.id, "Sent")).toHaveLength(1);
  });

  it("uses the folder the account names, and says so on the message when it does not exist", async () => {
    const named = await sender("named@example.test", { sentFolder: "Archive/Sent by app" });
    await f.dovecot.createFolder("named@example.test", "Archive/Sent by app");
    await enqueueOutboundMessage(f.db, { emailAccountId: named.account.id, caller: named.user, input: { to: ["x@example.org"], subject: "Named", text: "x" } });
    await drainOutboundQueue(f.db, named.account.id);
    expect(await appendSentCopies(f.db, named.account.id)).toEqual({ appended: 1, failed: 0 });
    expect((await folderOf(named.account.id, "Archive/Sent by app")).map((copy) => copy.parsed.subject)).toEqual(["Named"]);
    expect(await folderOf(named.account.id, "Sent")).toHaveLength(0);

    const missing = await sender("missing@example.test", { sentFolder: "No such folder" });
    const { record } = await enqueueOutboundMessage(f.db, { emailAccountId: missing.account.id, caller: missing.user, input: { to: ["x@example.org"], subject: "Lost", text: "x" } });
    await drainOutboundQueue(f.db, missing.account.id);
    expect(await appendSentCopies(f.db, missing.account.id)).toEqual({ appended: 0, failed: 1 });
    const { sentCopy } = await getOutboundMessageOrThrow(f.db, record.id, missing.user);
    expect(sentCopy.at).toBeNull();
    expect(sentCopy.error).toMatch(/^Could not add the copy to No such folder: /);
    expect(await accountsWithPendingSentCopies(f.db)).not.toContain(missing.account.id);
  });

  it("makes no copy where the provider files sent mail itself (Gmail) or copies are turned off", async () => {
    const off = await sender("off@example.test", { appendToSent: false });
    await enqueueOutboundMessage(f.db, { emailAccountId: off.account.id, caller: off.user, input: { to: ["x@example.org"], subject: "No copy", text: "x" } });
    await drainOutboundQueue(f.db, off.account.id);
    expect(await accountsWithPendingSentCopies(f.db)).not.toContain(off.account.id);
    expect(await appendSentCopies(f.db, off.account.id)).toEqual({ appended: 0, failed: 0 });
    expect(await folderOf(off.account.id, "Sent")).toHaveLength(0);

    // Gmail's IMAP host: its SMTP server files sent mail itself, so copies are off unless asked for.
    const gmail = await f.mailUser("gmail-like@example.test", { imap: { host: "imap.gmail.com", port: 993, security: "tls", login: "gmail-like@example.test" } });
    expect(gmail.account.appendToSent).toBe(false);
    // Exchange Online files SMTP submissions in Sent Items too.
    const exchange = await f.mailUser("m365-like@example.test", { imap: { host: "outlook.office365.com", port: 993, security: "tls", login: "m365-like@example.test" } });
    expect(exchange.account.appendToSent).toBe(false);
  });

  it("never copies one message twice when two runs overlap", async () => {
    const who = await sender("overlap@example.test");
    for (let index = 0; index < 5; index++) {
      await enqueueOutboundMessage(f.db, { emailAccountId: who.account.id, caller: who.user, input: { to: ["x@example.org"], subject: `Overlap ${index}`, text: "x" } });
    }
    await drainOutboundQueue(f.db, who.account.id);
    const [a, b] = await Promise.all([appendSentCopies(f.db, who.account.id), appendSentCopies(f.db, who.account.id)]);
    expect(a.appended + b.appended).toBe(5);
    expect((await folderOf(who.account.id, "Sent")).map((copy) => copy.parsed.subject).sort()).toEqual(["Overlap 0", "Overlap 1", "Overlap 2", "Overlap 3", "Overlap 4"]);
  });
});
