import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "#lib/db";
import { parseMessage } from "#lib/mail/parse-message";
import { knownMessageIds, resetFolderForNewUidValidity } from "#lib/mail/reset-folder-for-uidvalidity";
import { storeSyncedMessages, UidValidityMismatchError, type SyncedMessage } from "#lib/mail/store-synced-messages";
import { publicMessageDetailSelect, toPublicMessage, toPublicMessageDetail } from "#lib/mail/to-public-message";
import { registerCleanup } from "#tests/support/cleanup";
import { createTestDatabase } from "#tests/support/test-database";

let db: Db;
let ownerId: string;

beforeAll(async () => {
  db = createDb(await createTestDatabase());
  registerCleanup(() => db.$disconnect());
  ownerId = (await db.user.create({ data: { email: "owner@example.test", name: "owner" } })).id;
});

async function createAccount(): Promise<string> {
  const account = await db.emailAccount.create({
    data: {
      ownerId,
      emailAddress: `box-${randomUUID().slice(0, 8)}@example.test`,
      authMethod: "password",
      imapHost: "imap.example.test",
      imapPort: 993,
      imapSecurity: "tls",
      imapLogin: "box",
      smtpHost: "smtp.example.test",
      smtpPort: 465,
      smtpSecurity: "tls",
      smtpLogin: "box",
    },
  });
  return account.id;
}

function rawMessage(fields: { messageId?: string | null; subject?: string; body?: string }): Buffer {
  const headers = [
    "From: Alice Example <alice@example.test>",
    "To: bob@example.test, carol@example.test",
    "Cc: dave@example.test",
    `Subject: ${fields.subject ?? "hello"}`,
    "Date: Wed, 02 Jul 2025 09:30:00 +0000",
    ...(fields.messageId === null ? [] : [`Message-ID: ${fields.messageId ?? `<${randomUUID()}@example.test>`}`]),
    "In-Reply-To: <parent@example.test>",
    "References: <root@example.test> <parent@example.test>",
    "Content-Type: text/plain; charset=utf-8",
  ];
  return Buffer.from(`${headers.join("\r\n")}\r\n\r\n${fields.body ?? "Hi Bob,\r\nsee you at noon.\r\n"}`);
}

async function synced(uid: bigint, raw: Buffer, size = raw.length): Promise<SyncedMessage> {
  return { uid, raw, size, parsed: await parseMessage(raw), seen: false };
}

async function mailbox(emailAccountId: string, folder: string) {
  return db.mailboxState.findUniqueOrThrow({ where: { emailAccountId_folder: { emailAccountId, folder } } });
}

async function messageCount(emailAccountId: string, folder?: string) {
  return db.inboundMessage.count({ where: { emailAccountId, ...(folder ? { folder } : {}) } });
}

describe("storeSyncedMessages", () => {
  it("inserts the messages and advances MailboxState and the account in one go", async () => {
    const accountId = await createAccount();
    const messages = await Promise.all([1n, 2n, 3n].map((uid) => synced(uid, rawMessage({ subject: `m${uid}` }))));
    const result = await storeSyncedMessages(db, {
      emailAccountId: accountId,
      folder: "INBOX",
      uidValidity: 1234n,
      lease: null,
      messages,
      highestModseq: 77n,
    });
    expect(result).toEqual({ inserted: 3, duplicates: 0, fenced: false });
    expect(await mailbox(accountId, "INBOX")).toMatchObject({ uidValidity: 1234n, lastUid: 3n, highestModseq: 77n });
    const account = await db.emailAccount.findUniqueOrThrow({ where: { id: accountId } });
    expect(account.messagesSynced).toBe(3);
    expect(account.lastSyncAt).toBeInstanceOf(Date);

    const stored = await db.inboundMessage.findFirstOrThrow({ where: { emailAccountId: accountId, uid: 2n } });
    expect(stored).toMatchObject({
      folder: "INBOX",
      uidValidity: 1234n,
      subject: "m2",
      fromAddress: "Alice Example <alice@example.test>",
      toAddresses: ["bob@example.test", "carol@example.test"],
      ccAddresses: ["dave@example.test"],
      inReplyTo: "<parent@example.test>",
      references: ["<root@example.test>", "<parent@example.test>"],
      text: "Hi Bob,\nsee you at noon.\n",
      html: null,
      skippedReason: null,
      size: messages[1]!.raw.length,
    });
    expect(stored.date?.toISOString()).toBe("2025-07-02T09:30:00.000Z");
    expect(Buffer.from(stored.raw).equals(messages[1]!.raw)).toBe(true);
  });

  it("storing the same batch again inserts nothing and never moves last_uid backwards", async () => {
    const accountId = await createAccount();
    const batch = await Promise.all([5n, 6n, 7n].map((uid) => synced(uid, rawMessage({}))));
    const input = { emailAccountId: accountId, folder: "INBOX", uidValidity: 9n, lease: null, messages: batch, highestModseq: 50n };
    expect(await storeSyncedMessages(db, input)).toEqual({ inserted: 3, duplicates: 0, fenced: false });
    expect(await storeSyncedMessages(db, input)).toEqual({ inserted: 0, duplicates: 3, fenced: false });
    // An older, smaller batch (a retry arriving late) with a lower MODSEQ.
    expect(await storeSyncedMessages(db, { ...input, messages: batch.slice(0, 1), highestModseq: 10n })).toEqual({
      inserted: 0,
      duplicates: 1,
      fenced: false,
    });
    expect(await mailbox(accountId, "INBOX")).toMatchObject({ lastUid: 7n, highestModseq: 50n });
    expect(await messageCount(accountId)).toBe(3);
    expect((await db.emailAccount.findUniqueOrThrow({ where: { id: accountId } })).messagesSynced).toBe(3);
  });

  it("two concurrent stores of the same batch insert each message once", async () => {
    const accountId = await createAccount();
    const batch = await Promise.all(Array.from({ length: 50 }, (_, i) => synced(BigInt(i + 1), rawMessage({}))));
    const input = { emailAccountId: accountId, folder: "INBOX", uidValidity: 1n, lease: null, messages: batch };
    const [a, b] = await Promise.all([storeSyncedMessages(db, input), storeSyncedMessages(db, input)]);
    expect(a.inserted + b.inserted).toBe(50);
    expect(a.duplicates + b.duplicates).toBe(50);
    expect(await messageCount(accountId)).toBe(50);
    expect((await db.emailAccount.findUniqueOrThrow({ where: { id: accountId } })).messagesSynced).toBe(50);
  });

  it("fencing: a stale epoch or another worker writes nothing", async () => {
    const accountId = await createAccount();
    const workerId = randomUUID();
    const batch = [await synced(1n, rawMessage({}))];
    const input = { emailAccountId: accountId, folder: "INBOX", uidValidity: 3n, messages: batch };

    // No lease row at all: the claim is gone.
    expect(await storeSyncedMessages(db, { ...input, lease: { workerId, epoch: 1n } })).toEqual({ inserted: 0, duplicates: 0, fenced: true });

    await db.mailAccountLease.create({ data: { emailAccountId: accountId, workerId, epoch: 2n, heartbeatAt: new Date() } });
    for (const lease of [{ workerId, epoch: 1n }, { workerId: randomUUID(), epoch: 2n }]) {
      expect(await storeSyncedMessages(db, { ...input, lease })).toEqual({ inserted: 0, duplicates: 0, fenced: true });
      expect(
        await resetFolderForNewUidValidity(db, { emailAccountId: accountId, folder: "INBOX", newUidValidity: 4n, lease }),
      ).toEqual({ fenced: true, reset: false });
    }
    expect(await messageCount(accountId)).toBe(0);
    expect(await db.mailboxState.count({ where: { emailAccountId: accountId } })).toBe(0);
    expect((await db.emailAccount.findUniqueOrThrow({ where: { id: accountId } })).lastSyncAt).toBeNull();

    expect(await storeSyncedMessages(db, { ...input, lease: { workerId, epoch: 2n } })).toEqual({ inserted: 1, duplicates: 0, fenced: false });
    expect(await mailbox(accountId, "INBOX")).toMatchObject({ lastUid: 1n });
  });

  it("a new UIDVALIDITY: reset, then the resync stores no second copy of a known Message-ID", async () => {
    const accountId = await createAccount();
    const folder = "Archive";
    const known = [rawMessage({ messageId: "<a@example.test>" }), rawMessage({ messageId: "<b@example.test>" }), rawMessage({ messageId: null, subject: "no id" })];
    expect(
      await storeSyncedMessages(db, {
        emailAccountId: accountId,
        folder,
        uidValidity: 100n,
        lease: null,
        messages: await Promise.all(known.map((raw, i) => synced(BigInt(i + 1), raw))),
        highestModseq: 500n,
      }),
    ).toMatchObject({ inserted: 3 });
    // The same Message-ID in another folder is another copy: it does not count here.
    await storeSyncedMessages(db, {
      emailAccountId: accountId,
      folder: "Other",
      uidValidity: 100n,
      lease: null,
      messages: [await synced(1n, rawMessage({ messageId: "<c@example.test>" }))],
    });

    expect(await resetFolderForNewUidValidity(db, { emailAccountId: accountId, folder, newUidValidity: 200n, lease: null })).toEqual({
      fenced: false,
      reset: true,
    });
    expect(await mailbox(accountId, folder)).toMatchObject({ uidValidity: 200n, lastUid: 0n, highestModseq: null });
    // A repeat does not restart a folder that is already resyncing.
    expect(await resetFolderForNewUidValidity(db, { emailAccountId: accountId, folder, newUidValidity: 200n, lease: null })).toEqual({
      fenced: false,
      reset: false,
    });

    expect(await knownMessageIds(db, accountId, folder)).toEqual(new Set(["<a@example.test>", "<b@example.test>"]));

    // The server renumbered the folder: the same messages under new UIDs, plus one new one.
    const resync = await Promise.all(
      [...known, rawMessage({ messageId: "<c@example.test>" })].map((raw, i) => synced(BigInt(i + 10), raw)),
    );
    expect(
      await storeSyncedMessages(db, { emailAccountId: accountId, folder, uidValidity: 200n, lease: null, messages: resync, highestModseq: 9n }),
    ).toEqual({ inserted: 2, duplicates: 2, fenced: false });
    expect(await mailbox(accountId, folder)).toMatchObject({ uidValidity: 200n, lastUid: 13n, highestModseq: 9n });
    const rows = await db.inboundMessage.findMany({ where: { emailAccountId: accountId, folder }, orderBy: [{ uidValidity: "asc" }, { uid: "asc" }] });
    expect(rows.map((row) => [row.uidValidity, row.uid, row.messageId])).toEqual([
      [100n, 1n, "<a@example.test>"],
      [100n, 2n, "<b@example.test>"],
      [100n, 3n, null],
      // Without a Message-ID a message cannot be recognised: stored again.
      [200n, 12n, null],
      [200n, 13n, "<c@example.test>"],
    ]);
    expect(await knownMessageIds(db, accountId, folder, 200n)).toEqual(new Set(["<a@example.test>", "<b@example.test>"]));

    // A batch still carrying the old UIDVALIDITY is refused whole.
    await expect(
      storeSyncedMessages(db, {
        emailAccountId: accountId,
        folder,
        uidValidity: 100n,
        lease: null,
        messages: [await synced(50n, rawMessage({ messageId: "<late@example.test>" }))],
      }),
    ).rejects.toBeInstanceOf(UidValidityMismatchError);
    expect(await messageCount(accountId, folder)).toBe(5);
    expect(await mailbox(accountId, folder)).toMatchObject({ uidValidity: 200n, lastUid: 13n });

    // A worker that skipped known messages without fetching them still moves past their UIDs.
    expect(
      await storeSyncedMessages(db, { emailAccountId: accountId, folder, uidValidity: 200n, lease: null, messages: [], lastSeenUid: 20n }),
    ).toEqual({ inserted: 0, duplicates: 0, fenced: false });
    expect((await mailbox(accountId, folder)).lastUid).toBe(20n);
  });

  it("stores UIDs up to 2^32-1 and MODSEQs up to 2^63-1 exactly", async () => {
    const accountId = await createAccount();
    const maxUid = 4_294_967_295n;
    const bigModseq = 9_223_372_036_854_775_807n;
    await storeSyncedMessages(db, {
      emailAccountId: accountId,
      folder: "INBOX",
      uidValidity: maxUid,
      lease: null,
      messages: [await synced(maxUid - 1n, rawMessage({})), await synced(maxUid, rawMessage({}))],
      highestModseq: bigModseq,
    });
    expect(await mailbox(accountId, "INBOX")).toMatchObject({ uidValidity: maxUid, lastUid: maxUid, highestModseq: bigModseq });
    const rows = await db.inboundMessage.findMany({ where: { emailAccountId: accountId }, orderBy: { uid: "asc" }, select: publicMessageDetailSelect });
    expect(rows.map((row) => row.uid)).toEqual([maxUid - 1n, maxUid]);
    const json = JSON.parse(JSON.stringify(toPublicMessage(rows[1]!))) as { uid: number };
    expect(json.uid).toBe(4_294_967_295);
    // 2^53 + 1 is not exact as a double: the database and Prisma keep it.
    await storeSyncedMessages(db, { emailAccountId: accountId, folder: "INBOX", uidValidity: maxUid, lease: null, messages: [], highestModseq: 2n ** 53n + 1n });
    expect((await mailbox(accountId, "INBOX")).highestModseq).toBe(bigModseq);
    await expect(
      storeSyncedMessages(db, { emailAccountId: accountId, folder: "INBOX", uidValidity: 1n, lease: null, messages: [await synced(maxUid + 1n, rawMessage({}))] }),
    ).rejects.toThrow(RangeError);
  });

  it("list columns keep quotes, commas, braces, backslashes and the word NULL as they are", async () => {
    const accountId = await createAccount();
    const message = await synced(1n, rawMessage({}));
    const awkward = ['"Doe, \\"JJ\\"" <jj@example.test>', "a\\b{c},d", "NULL", "", " spaced ", "日本語 <ja@example.test>"];
    message.parsed = { ...message.parsed, to: awkward, cc: [], references: ["<x{1}@example.test>", '<"q"@example.test>'] };
    await storeSyncedMessages(db, { emailAccountId: accountId, folder: "INBOX", uidValidity: 1n, lease: null, messages: [message] });
    const row = await db.inboundMessage.findFirstOrThrow({ where: { emailAccountId: accountId } });
    expect(row.toAddresses).toEqual(awkward);
    expect(row.ccAddresses).toEqual([]);
    expect(row.references).toEqual(["<x{1}@example.test>", '<"q"@example.test>']);
  });

  it("raw bytes with NUL and invalid UTF-8 round-trip exactly", async () => {
    const accountId = await createAccount();
    const raw = Buffer.concat([
      Buffer.from("Subject: bytes\r\nMessage-ID: <bytes@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"),
      Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x00, 0x0d, 0x0a]),
    ]);
    expect((await storeSyncedMessages(db, { emailAccountId: accountId, folder: "INBOX", uidValidity: 1n, lease: null, messages: [await synced(1n, raw)] })).inserted).toBe(1);
    const row = await db.inboundMessage.findFirstOrThrow({ where: { emailAccountId: accountId } });
    expect(Buffer.from(row.raw).equals(raw)).toBe(true);
    expect(row.text).not.toContain("\u0000");
    expect(row.subject).toBe("bytes");
  });

  it("stores attachments with their size and bytes; an oversized message keeps its row without the raw source", async () => {
    const accountId = await createAccount();
    const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256))]);
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
    const raw = Buffer.from(
      [
        "From: a@example.test",
        "Subject: files",
        "Message-ID: <files@example.test>",
        'Content-Type: multipart/mixed; boundary="X"',
        "",
        "--X",
        "Content-Type: text/html; charset=utf-8",
        "",
        '<p>See <img src="https://tracker.test/o.gif"></p>',
        "--X",
        'Content-Type: application/pdf; name="report.pdf"',
        "Content-Disposition: attachment",
        "Content-Transfer-Encoding: base64",
        "",
        pdf.toString("base64"),
        "--X",
        'Content-Type: image/png; name="photo.png"',
        "Content-Disposition: attachment",
        "Content-Transfer-Encoding: base64",
        "",
        png.toString("base64"),
        "--X--",
        "",
      ].join("\r\n"),
    );
    const big = rawMessage({ messageId: "<big@example.test>", subject: "big", body: "y".repeat(2000) });
    const oversized: SyncedMessage = { uid: 2n, raw: big, size: 30_000_000, parsed: await parseMessage(big, { maxBytes: 1000, size: 30_000_000 }), seen: false };
    expect(
      await storeSyncedMessages(db, { emailAccountId: accountId, folder: "INBOX", uidValidity: 1n, lease: null, messages: [oversized, await synced(1n, raw)] }),
    ).toEqual({ inserted: 2, duplicates: 0, fenced: false });

    const rows = await db.inboundMessage.findMany({
      where: { emailAccountId: accountId },
      orderBy: { uid: "asc" },
      include: { attachments: { orderBy: { size: "desc" } } },
    });
    const [files, skipped] = rows;
    expect(files!.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ["report.pdf", "application/pdf", pdf.length],
      ["photo.png", "image/png", png.length],
    ]);
    expect(Buffer.from(files!.attachments[0]!.content).equals(pdf)).toBe(true);
    expect(Buffer.from(files!.attachments[1]!.content).equals(png)).toBe(true);
    expect(skipped).toMatchObject({ subject: "big", size: 30_000_000, skippedReason: "larger than 1000 bytes (30000000 bytes)", text: null });
    expect(skipped!.raw.length).toBe(0);

    const detail = toPublicMessageDetail(
      await db.inboundMessage.findUniqueOrThrow({ where: { id: files!.id }, select: publicMessageDetailSelect }),
    );
    expect(detail).toMatchObject({
      uid: 1,
      subject: "files",
      html: '<p>See <img data-blocked-remote="1" /></p>',
      blockedRemoteContent: 1,
      attachments: expect.arrayContaining([expect.objectContaining({ filename: "report.pdf", size: pdf.length })]),
    });
    expect(detail).not.toHaveProperty("raw");
  });

  it("stores 5,000 small messages in one call and in worker-sized batches, each once", async () => {
    const accountId = await createAccount();
    const count = 5_000;
    const raws = Array.from({ length: count }, (_, i) => rawMessage({ subject: `Message ${i}`, body: `Line one of ${i}\r\nLine two.\r\n` }));

    const parsed: SyncedMessage[] = [];
    for (const [i, raw] of raws.entries()) parsed.push({ uid: BigInt(i + 1), raw, size: raw.length, parsed: await parseMessage(raw), seen: false });

    const stored = await storeSyncedMessages(db, { emailAccountId: accountId, folder: "store-only", uidValidity: 1n, lease: null, messages: parsed });
    expect(stored).toEqual({ inserted: count, duplicates: 0, fenced: false });

    // As the worker would: parse a fetched batch, store it, next batch.
    let inserted = 0;
    for (let from = 0; from < count; from += 500) {
      const batch: SyncedMessage[] = [];
      for (const [i, raw] of raws.slice(from, from + 500).entries()) {
        batch.push({ uid: BigInt(from + i + 1), raw, size: raw.length, parsed: await parseMessage(raw), seen: false });
      }
      inserted += (await storeSyncedMessages(db, { emailAccountId: accountId, folder: "both", uidValidity: 1n, lease: null, messages: batch })).inserted;
    }
    expect(inserted).toBe(count);
    expect(await mailbox(accountId, "both")).toMatchObject({ lastUid: BigInt(count) });

  });
});
