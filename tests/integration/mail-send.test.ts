import { randomBytes } from "node:crypto";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedInUser } from "#lib/auth/sign-in";
import { setDb } from "#lib/db";
import type { CreateEmailAccountInput, PublicEmailAccount } from "#lib/email-accounts/schemas";
import { setRuntimeEnv } from "#lib/env";
import { stopJobSender } from "#lib/queue/enqueue-job";
import { outboundSweep } from "#lib/jobs/outbound-sweep";
import { startJobRunner } from "#lib/jobs/start-job-runner";
import { enqueueOutboundMessage } from "#lib/outbound/enqueue-outbound-message";
import { getOutboundMessageOrThrow } from "#lib/outbound/get-outbound-message";
import type { OutboundInput } from "#lib/outbound/schemas";
import { drainOutboundQueue } from "#lib/outbound/drain-outbound-queue";
import { recoverStuckOutbound } from "#lib/outbound/recover-outbound";
import { listSentMessages } from "#lib/outbound/list-sent-messages";
import { cancelOutboundMessage, retryOutboundMessage } from "#lib/outbound/retry-or-cancel-outbound-message";
import { getAccessToken } from "#lib/tokens/get-access-token";
import { waitFor } from "#tests/support/mail-fixture";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";
import { startSmtpServer, type TestSmtpServer } from "#tests/support/smtp-server";
import { appError } from "#tests/support/refusals";

let f: OAuthFixture;
let app: Awaited<ReturnType<OAuthFixture["createApp"]>>;
let smtp: TestSmtpServer;

beforeAll(async () => {
  f = await createOAuthFixture();
  // The web side queues drain jobs through pg-boss on the test database.
  setRuntimeEnv({ DATABASE_URL: f.databaseUrl });
  app = await f.createApp();
  smtp = await startSmtpServer({ introspect: (token) => f.provider.introspect(token) });
});

afterAll(async () => {
  await stopJobSender();
});

let counter = 0;

/** A user connected to the test provider as `email`, owning an OAuth account that sends through the test SMTP server. */
function sender(email: string, overrides: Partial<CreateEmailAccountInput> = {}) {
  return f.mailAccountOwner(app.id, email, { imap: 993, smtp: smtp.port }, { overrides });
}

function message(overrides: Partial<OutboundInput> = {}): OutboundInput {
  counter++;
  return { to: ["rcpt@example.org"], subject: `Hello ${counter}`, text: `Body ${counter}`, ...overrides };
}

async function enqueue(who: { user: SignedInUser; account: PublicEmailAccount }, input: OutboundInput = message()) {
  return enqueueOutboundMessage(f.db, { emailAccountId: who.account.id, input, caller: who.user });
}

/** Messages the SMTP server accepted with this Message-ID. */
function delivered(messageId: string) {
  return smtp.messages.filter((m) => new RegExp(`^Message-ID: ${messageId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\r?$`, "mi").test(m.raw.toString()));
}

async function row(id: string) {
  return f.db.outboundMessage.findUniqueOrThrow({ where: { id } });
}

/** Makes every queued row of the account due now (time travel for backoff and limits). */
async function makeDue(accountId: string) {
  await f.db.$executeRaw`UPDATE outbound_messages SET next_attempt_at = now() - interval '1 second' WHERE email_account_id = ${accountId}::uuid AND status = 'queued'`;
}

/** pg-boss jobs queued for an account's drain (0 when pg-boss has not been set up at all). */
async function drainJobs(accountId: string): Promise<number> {
  const [exists] = await f.db.$queryRaw<{ present: boolean }[]>`SELECT to_regclass('pgboss.job') IS NOT NULL AS present`;
  if (!exists?.present) return 0;
  const [count] = await f.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'send-outbound' AND singleton_key = ${accountId}`;
  return count?.n ?? 0;
}

describe("sending queued mail over SMTP with XOAUTH2", () => {
  it("applies the sender rules: account address and name, the requested sender kept in X-Original-From and Reply-To", async () => {
    const both = await sender("desk@example.test", { displayName: "Support Desk", alwaysUseAccountAddressAsSender: true, alwaysUseAccountNameAsSenderName: true });
    const addressOnly = await sender("desk2@example.test", { displayName: "Desk Two", alwaysUseAccountAddressAsSender: true });
    const free = await sender("desk3@example.test", { displayName: "Desk Three" });
    const requested = "Alice Example <alice@example.org>";
    const reply = { inReplyTo: "<parent@example.org>", references: ["<root@example.org>", "parent@example.org"] };
    const a = await enqueue(both, message({ from: requested, cc: ["cc@example.org"], bcc: ["hidden@example.org"], ...reply }));
    const b = await enqueue(addressOnly, message({ from: requested }));
    const c = await enqueue(free, message({ from: requested, html: "<p>Hi</p>" }));
    const d = await enqueue(free, message());

    expect(a.record.messageId).toMatch(/^<[0-9a-f-]{36}@example\.test>$/);
    expect(a.created).toBe(true);
    expect(a.record.status).toBe("queued");
    expect(await drainOutboundQueue(f.db, both.account.id)).toMatchObject({ sent: 1, failed: 0, deferred: 0 });
    expect(await drainOutboundQueue(f.db, addressOnly.account.id)).toMatchObject({ sent: 1 });
    expect(await drainOutboundQueue(f.db, free.account.id)).toMatchObject({ sent: 2 });

    const [sentA] = delivered(a.record.messageId);
    expect(sentA!.envelope).toEqual({ from: "desk@example.test", to: ["rcpt@example.org", "cc@example.org", "hidden@example.org"] });
    expect(sentA!.authUser).toBe("desk@example.test");
    const parsedA = await simpleParser(sentA!.raw);
    expect(parsedA.from?.value).toEqual([{ name: "Support Desk", address: "desk@example.test" }]);
    expect(parsedA.headers.get("x-original-from")).toBe("Alice Example <alice@example.org>");
    expect(parsedA.replyTo?.value).toEqual([{ name: "Alice Example", address: "alice@example.org" }]);
    expect(parsedA.messageId).toBe(a.record.messageId);
    expect(parsedA.inReplyTo).toBe("<parent@example.org>");
    expect(parsedA.references).toEqual(["<root@example.org>", "<parent@example.org>"]);
    expect(parsedA.headers.has("bcc")).toBe(false);
    expect(sentA!.raw.toString()).not.toContain("hidden@example.org");

    const parsedB = await simpleParser(delivered(b.record.messageId)[0]!.raw);
    expect(parsedB.from?.value).toEqual([{ name: "Alice Example", address: "desk2@example.test" }]);
    expect(parsedB.headers.get("x-original-from")).toBe("Alice Example <alice@example.org>");
    expect(parsedB.replyTo?.value).toEqual([{ name: "Alice Example", address: "alice@example.org" }]);

    const sentC = delivered(c.record.messageId)[0]!;
    expect(sentC.envelope.from).toBe("desk3@example.test");
    const parsedC = await simpleParser(sentC.raw);
    expect(parsedC.from?.value).toEqual([{ name: "Alice Example", address: "alice@example.org" }]);
    expect(parsedC.headers.has("x-original-from")).toBe(false);
    expect(parsedC.replyTo).toBeUndefined();
    expect(parsedC.html).toContain("<p>Hi</p>");

    const parsedD = await simpleParser(delivered(d.record.messageId)[0]!.raw);
    expect(parsedD.from?.value).toEqual([{ name: "Desk Three", address: "desk3@example.test" }]);

    const record = await getOutboundMessageOrThrow(f.db, a.record.id, both.user);
    expect(record).toMatchObject({ id: a.record.id, messageId: a.record.messageId, status: "sent", lastError: null, to: ["rcpt@example.org"] });
    expect(record.attempts).toEqual([{ at: expect.any(String), ok: true, response: expect.stringMatching(/^250 /) }]);
    expect(Date.parse(record.sentAt!)).toBeGreaterThan(Date.parse(record.createdAt) - 1000);
    expect((await appError(getOutboundMessageOrThrow(f.db, a.record.id, free.user))).status).toBe(404);
  });

  it("returns the same record for the same idempotency key, also for concurrent requests", async () => {
    const who = await sender("idem@example.test");
    const input = message({ idempotencyKey: "order-42" });
    const first = await enqueue(who, input);
    const again = await enqueue(who, input);
    expect(first.created).toBe(true);
    expect(again).toEqual({ record: first.record, created: false });
    expect((await appError(enqueue(who, { ...input, subject: "Something else" }))).code).toBe("conflict");

    const race = message({ idempotencyKey: "race" });
    const racing = await Promise.all(Array.from({ length: 6 }, () => enqueue(who, race)));
    expect(new Set(racing.map((r) => r.record.id)).size).toBe(1);
    expect(racing.filter((r) => r.created)).toHaveLength(1);
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: who.account.id } })).toBe(2);
    // One queued drain job for the account however many enqueues (short policy, one per key).
    expect(await drainJobs(who.account.id)).toBe(1);

    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 2 });
    expect(delivered(first.record.messageId)).toHaveLength(1);
    const replay = await enqueue(who, input);
    expect(replay.created).toBe(false);
    expect(replay.record.status).toBe("sent");
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0 });
    expect(delivered(first.record.messageId)).toHaveLength(1);
  });

  it("retries a 451 with backoff and sends the same message (same Message-ID) on the next try", async () => {
    const who = await sender("retry@example.test");
    const { record } = await enqueue(who);
    smtp.failNext(1, { code: 451, message: "4.3.0 Mail server temporarily rejected message" });
    const started = Date.now();
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, failed: 0, deferred: 1 });
    let stored = await row(record.id);
    expect(stored.status).toBe("queued");
    expect(stored.lastError).toMatch(/^451 4\.3\.0/);
    expect(stored.nextAttemptAt.getTime() - started).toBeGreaterThan(25_000);
    expect(stored.nextAttemptAt.getTime() - started).toBeLessThan(35_000);
    // Not due yet: nothing is tried.
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, deferred: 0 });

    await makeDue(who.account.id);
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 1, deferred: 0 });
    stored = await row(record.id);
    expect(stored.status).toBe("sent");
    expect(stored.messageId).toBe(record.messageId);
    const public_ = await getOutboundMessageOrThrow(f.db, record.id, who.user);
    expect(public_.attempts.map((a) => [a.ok, a.response.slice(0, 3)])).toEqual([
      [false, "451"],
      [true, "250"],
    ]);
    expect(delivered(record.messageId)).toHaveLength(1);
  });

  it.each([
    ["Exchange 554 5.2.0 SubmissionQuotaExceeded", 554, "5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception"],
    ["Gmail 550 5.4.5", 550, "5.4.5 Daily user sending limit exceeded."],
  ])("treats a quota answer (%s) as temporary", async (_name, code, text) => {
    const who = await sender(`quota-${code}@example.test`);
    const { record } = await enqueue(who);
    smtp.failNext(1, { code, message: text });
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, failed: 0, deferred: 1 });
    const stored = await row(record.id);
    expect(stored.status).toBe("queued");
    expect(stored.lastError).toContain(`${code} ${text.slice(0, 5)}`);
    expect((await f.db.emailAccount.findUniqueOrThrow({ where: { id: who.account.id } })).lastError).toMatch(/quota/);
    await makeDue(who.account.id);
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 1 });
    expect(delivered(record.messageId)).toHaveLength(1);
  });

  it("fails at once when the server refuses the recipient for good (550 5.1.1)", async () => {
    const who = await sender("bounce@example.test");
    const { record } = await enqueue(who, message({ to: ["nobody@example.org"] }));
    smtp.failNext(1, { code: 550, message: "5.1.1 <nobody@example.org>: Recipient address rejected: User unknown", stage: "rcpt" });
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, failed: 1, deferred: 0 });
    const stored = await getOutboundMessageOrThrow(f.db, record.id, who.user);
    expect(stored.status).toBe("failed");
    expect(stored.lastError).toContain("550 5.1.1");
    expect(stored.attempts).toHaveLength(1);
    expect(stored.attempts[0]).toMatchObject({ ok: false, response: expect.stringContaining("User unknown") });
    await makeDue(who.account.id);
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, failed: 0 });
    expect(delivered(record.messageId)).toHaveLength(0);
  });

  it("sends to the accepted recipients and notes the refused one", async () => {
    const who = await sender("partial@example.test");
    const { record } = await enqueue(who, message({ to: ["gone@example.org", "here@example.org"] }));
    smtp.failNext(1, { code: 550, message: "5.1.1 User unknown", stage: "rcpt" });
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 1 });
    const stored = await row(record.id);
    expect(stored.status).toBe("sent");
    expect(stored.lastError).toContain("gone@example.org");
    expect(delivered(record.messageId)[0]!.envelope.to).toEqual(["here@example.org"]);
  });

  it("tries a recipient refused for now (450) again on its own: the others get the message once", async () => {
    const who = await sender("later@example.test");
    const { record } = await enqueue(who, message({ to: ["busy@example.org", "here@example.org"], cc: ["cc@example.org"] }));
    smtp.failNext(1, { code: 450, message: "4.2.1 Mailbox busy, try later", stage: "rcpt", recipient: "busy@example.org" });
    const started = Date.now();
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, failed: 0, deferred: 1 });
    let stored = await getOutboundMessageOrThrow(f.db, record.id, who.user);
    expect(stored).toMatchObject({ status: "queued", acceptedRecipients: ["here@example.org", "cc@example.org"], retryRecipients: ["busy@example.org"] });
    expect(stored.lastError).toContain("busy@example.org: 450 4.2.1");
    expect(stored.attempts[0]).toMatchObject({ ok: false, response: expect.stringContaining("trying again for busy@example.org") });
    expect((await row(record.id)).nextAttemptAt.getTime() - started).toBeGreaterThan(25_000);
    expect(delivered(record.messageId).map((m) => m.envelope.to)).toEqual([["here@example.org", "cc@example.org"]]);

    await makeDue(who.account.id);
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 1 });
    stored = await getOutboundMessageOrThrow(f.db, record.id, who.user);
    expect(stored).toMatchObject({ status: "sent", lastError: null, retryRecipients: [] });
    expect(stored.acceptedRecipients.sort()).toEqual(["busy@example.org", "cc@example.org", "here@example.org"]);
    expect(stored.attempts.map((a) => a.ok)).toEqual([false, true]);
    const copies = delivered(record.messageId);
    expect(copies.map((m) => m.envelope.to)).toEqual([["here@example.org", "cc@example.org"], ["busy@example.org"]]);
    // The same message both times: headers name every recipient.
    const [first, second] = await Promise.all(copies.map((copy) => simpleParser(copy.raw)));
    expect(second!.messageId).toBe(first!.messageId);
    expect(second!.text).toBe(first!.text);
    expect((second!.to as { text: string }).text).toBe("busy@example.org, here@example.org");
  });

  it("when every recipient is refused, retries the one refused for now and fails only when it is refused for good", async () => {
    const who = await sender("mixed@example.test");
    const { record } = await enqueue(who, message({ to: ["soon@example.org", "never@example.org"] }));
    smtp.failNext(1, { code: 451, message: "4.4.1 No answer from host", stage: "rcpt", recipient: "soon@example.org" });
    smtp.failNext(1, { code: 550, message: "5.1.1 User unknown", stage: "rcpt", recipient: "never@example.org" });
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, failed: 0, deferred: 1 });
    let stored = await getOutboundMessageOrThrow(f.db, record.id, who.user);
    expect(stored).toMatchObject({ status: "queued", acceptedRecipients: [], retryRecipients: ["soon@example.org"] });
    expect(stored.lastError).toContain("never@example.org: 550 5.1.1");

    await makeDue(who.account.id);
    smtp.failNext(1, { code: 550, message: "5.1.1 User unknown now", stage: "rcpt", recipient: "soon@example.org" });
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, failed: 1 });
    stored = await getOutboundMessageOrThrow(f.db, record.id, who.user);
    expect(stored.status).toBe("failed");
    expect(stored.lastError).toContain("soon@example.org: 550 5.1.1 User unknown now");
    expect(delivered(record.messageId)).toHaveLength(0);
  });

  it("refreshes once when the server refuses a token that the cache still holds valid, then sends", async () => {
    // The provider expires the token after 2 s while the cache believes it has an hour left
    // (a token revoked early, or clocks apart): only the server's refusal reveals it.
    f.provider.setAccessTokenTtl(2);
    const who = await sender("expired@example.test");
    f.provider.setAccessTokenTtl(3600);
    await f.db.tokenCache.updateMany({ where: { connectedAppId: app.id, userId: who.user.id }, data: { expiresAt: new Date(Date.now() + 3_600_000) } });
    const { accessToken: stale } = await getAccessToken(f.db, app.id, who.user.id);
    await waitFor(async () => !(await f.provider.introspect(stale)).active, 10_000, "the token to expire at the provider");
    const { record } = await enqueue(who);
    f.provider.resetCounters();
    const refusals = smtp.authFailures;
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 1, deferred: 0 });
    expect(smtp.authFailures - refusals).toBe(1);
    expect(f.provider.tokenRequests("refresh_token")).toBe(1);
    expect((await getAccessToken(f.db, app.id, who.user.id)).accessToken).not.toBe(stale);
    const stored = await row(record.id);
    expect(stored.status).toBe("sent");
    expect(readOk(stored.attempts)).toEqual([true]);
    expect(delivered(record.messageId)[0]!.authUser).toBe("expired@example.test");
    const account = await f.db.emailAccount.findUniqueOrThrow({ where: { id: who.account.id } });
    expect(account.outgoingFailures).toBe(0);
    expect(account.outgoingStatus).toBe("active");
  });

  it("pauses sending after 5 refused sign-ins in a row and tells the owner; the message stays queued", async () => {
    // The token is for wrong@…, the SMTP login another mailbox: the server refuses every token.
    const who = await sender("wrong@example.test", { smtp: { host: "127.0.0.1", port: smtp.port, security: "none", login: "shared@example.test" } });
    const { record } = await enqueue(who);
    f.provider.resetCounters();
    const refusals = smtp.authFailures;
    for (let i = 1; i <= 5; i++) {
      expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, failed: 0, deferred: 1 });
      const account = await f.db.emailAccount.findUniqueOrThrow({ where: { id: who.account.id } });
      expect(account.outgoingFailures).toBe(i);
      expect(account.outgoingStatus).toBe(i < 5 ? "active" : "paused");
      await makeDue(who.account.id);
    }
    // Each drain forced one refresh and tried twice.
    expect(f.provider.tokenRequests("refresh_token")).toBe(5);
    expect(smtp.authFailures - refusals).toBe(10);
    const account = await f.db.emailAccount.findUniqueOrThrow({ where: { id: who.account.id } });
    expect(account.outgoingPausedReason).toMatch(/^5 authentication failures in a row: The SMTP server refused the sign-in/);
    const notices = await f.db.notification.findMany({ where: { userId: who.user.id, kind: "email_account.outgoing_paused" } });
    expect(notices).toHaveLength(1);
    expect(notices[0]!.title).toContain("wrong@example.test");

    // Paused: nothing is tried, nothing is lost.
    expect(await drainOutboundQueue(f.db, who.account.id)).toEqual({ sent: 0, failed: 0, deferred: 0, busy: false, nextAttemptAt: null });
    expect(smtp.authFailures - refusals).toBe(10);
    const stored = await row(record.id);
    expect(stored.status).toBe("queued");
    expect(readOk(stored.attempts)).toEqual([false, false, false, false, false]);
  });

  it("recovers a row a dead worker left in `sending` and sends it once, with the same Message-ID", async () => {
    const who = await sender("crash@example.test");
    const dead = await enqueue(who);
    const slow = await enqueue(who);
    await f.db.$executeRaw`UPDATE outbound_messages SET status = 'sending', updated_at = now() - interval '6 minutes' WHERE id = ${dead.record.id}::uuid`;
    await f.db.$executeRaw`UPDATE outbound_messages SET status = 'sending', updated_at = now() - interval '1 minute' WHERE id = ${slow.record.id}::uuid`;
    // Rows in flight elsewhere: no second drain starts on the account.
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, busy: true });

    const first = await recoverStuckOutbound(f.db);
    expect(first.emailAccountIds).toContain(who.account.id);
    expect((await row(dead.record.id)).status).toBe("queued");
    expect((await row(slow.record.id)).status).toBe("sending");
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, busy: true });

    await f.db.$executeRaw`UPDATE outbound_messages SET updated_at = now() - interval '6 minutes' WHERE id = ${slow.record.id}::uuid`;
    await recoverStuckOutbound(f.db);
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 2, busy: false });
    expect(delivered(dead.record.messageId)).toHaveLength(1);
    expect(delivered(slow.record.messageId)).toHaveLength(1);
    const stored = await row(dead.record.id);
    expect(stored.messageId).toBe(dead.record.messageId);
    expect(readOk(stored.attempts)).toEqual([false, true]);
  });

  it("keeps to the per-minute send limit and defers the rest to when the window frees", async () => {
    const who = await sender("limited@example.test", { sendLimits: { perMinute: 3, connections: 2 } });
    const queued = [];
    for (let i = 0; i < 5; i++) queued.push(await enqueue(who));
    const before = smtp.messages.length;
    const result = await drainOutboundQueue(f.db, who.account.id);
    expect(result).toMatchObject({ sent: 3, failed: 0, deferred: 2, busy: false });
    expect(smtp.messages.length - before).toBe(3);
    const rows = await f.db.outboundMessage.findMany({ where: { emailAccountId: who.account.id }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => r.status)).toEqual(["sent", "sent", "sent", "queued", "queued"]);
    const firstSent = Math.min(...rows.filter((r) => r.sentAt).map((r) => r.sentAt!.getTime()));
    for (const r of rows.filter((r) => r.status === "queued")) {
      expect(r.nextAttemptAt.getTime() - firstSent).toBeGreaterThanOrEqual(59_000);
      expect(r.nextAttemptAt.getTime() - firstSent).toBeLessThanOrEqual(61_000);
      expect(readOk(r.attempts)).toEqual([]);
    }
    expect(result.nextAttemptAt?.getTime()).toBe(rows[3]!.nextAttemptAt.getTime());

    // Even when made due, the window is full.
    await makeDue(who.account.id);
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 0, deferred: 2 });
    expect(smtp.messages.length - before).toBe(3);

    // A minute later the rest go.
    await f.db.$executeRaw`UPDATE outbound_messages SET next_attempt_at = next_attempt_at - interval '61 seconds' WHERE email_account_id = ${who.account.id}::uuid`;
    expect(await drainOutboundQueue(f.db, who.account.id)).toMatchObject({ sent: 2, deferred: 0, nextAttemptAt: null });
    for (const { record } of queued) expect(delivered(record.messageId)).toHaveLength(1);
  });

  it("keeps to the per-minute limit across the many claims of one drain", async () => {
    const who = await sender("claims@example.test", { sendLimits: { perMinute: 5, connections: 2 } });
    for (let i = 0; i < 9; i++) await enqueue(who);
    const before = smtp.messages.length;
    // A slow server: results are written (and leave the drain's hands) between claims.
    smtp.setDelay(100);
    try {
      expect(await drainOutboundQueue(f.db, who.account.id, { batchSize: 1 })).toMatchObject({ sent: 5, deferred: 4, busy: false });
    } finally {
      smtp.setDelay(0);
    }
    expect(smtp.messages.length - before).toBe(5);
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: who.account.id, status: "queued" } })).toBe(4);
  });

  it("sends each message once when two drains of one account run at the same time", async () => {
    const who = await sender("twice@example.test", { sendLimits: { perMinute: 10_000, connections: 3 } });
    const ids = [];
    for (let i = 0; i < 60; i++) ids.push((await enqueue(who)).record.messageId);
    const [a, b] = await Promise.all([
      drainOutboundQueue(f.db, who.account.id, { batchSize: 10 }),
      drainOutboundQueue(f.db, who.account.id, { batchSize: 10 }),
    ]);
    expect(a.sent + b.sent).toBe(60);
    for (const id of ids) expect(delivered(id)).toHaveLength(1);
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: who.account.id, status: "sent" } })).toBe(60);
  });

  it("refuses invalid input, oversize messages, disabled sending and others' accounts, queueing nothing", async () => {
    const who = await sender("strict@example.test");
    const off = await sender("off@example.test", { enableOutgoing: false });
    const other = await sender("other@example.test");
    const refuse = async (input: unknown, account = who.account, caller = who.user) =>
      appError(enqueueOutboundMessage(f.db, { emailAccountId: account.id, input: input as OutboundInput, caller }));

    const badAddress = await refuse(message({ to: ["not-an-address"] }));
    expect([badAddress.status, badAddress.issues]).toEqual([400, [{ path: "to.0", message: "must be an email address" }]]);
    const noSubject = await refuse({ to: ["a@example.org"], text: "x" });
    expect([noSubject.status, noSubject.issues?.map((i) => i.path)]).toEqual([400, ["subject"]]);
    expect((await refuse(message({ subject: "   " }))).issues).toEqual([{ path: "subject", message: "is required" }]);
    expect((await refuse(message({ subject: "Hi\r\nBcc: victim@example.org" }))).issues).toEqual([{ path: "subject", message: "must not contain line breaks" }]);
    const noBody = await refuse({ to: ["a@example.org"], subject: "Empty" });
    expect([noBody.status, noBody.issues]).toEqual([400, [{ path: "text", message: "give text or html (or both): the message has no body" }]]);
    expect((await refuse(message({ to: [] }))).issues?.[0]?.message).toBe("needs at least one recipient");
    expect((await refuse(message({ from: "Eve <not an address>" }))).issues?.[0]?.path).toBe("from");
    expect((await refuse(message({ idempotencyKey: "k".repeat(201) }))).issues?.[0]?.path).toBe("idempotencyKey");

    setRuntimeEnv({ MAIL_MAX_MESSAGE_BYTES: "50000" });
    try {
      const oversize = await refuse(message({ text: "x".repeat(60_000) }));
      expect([oversize.status, oversize.code]).toEqual([413, "payload_too_large"]);
      expect(oversize.message).toContain("MAIL_MAX_MESSAGE_BYTES");
      expect((await enqueue(who, message({ text: "x".repeat(20_000) }))).created).toBe(true);
    } finally {
      setRuntimeEnv({ MAIL_MAX_MESSAGE_BYTES: "" });
    }

    const disabled = await refuse(message(), off.account, off.user);
    expect([disabled.status, disabled.code, disabled.message]).toEqual([409, "conflict", expect.stringContaining("turned off")]);
    const foreign = await refuse(message(), other.account, who.user);
    expect([foreign.status, foreign.code]).toEqual([404, "not_found"]);

    // Only the one valid message was queued.
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: who.account.id } })).toBe(1);
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: { in: [off.account.id, other.account.id] } } })).toBe(0);
    expect(await drainJobs(off.account.id)).toBe(0);
    expect(await drainJobs(other.account.id)).toBe(0);
  });
});

describe("attachments", () => {
  /** Bytes no text encoding would keep: every byte value, then random ones. */
  const binary = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, index) => index)), randomBytes(300_000)]);
  const logo = randomBytes(2_000);

  async function sendAndParse(who: Awaited<ReturnType<typeof sender>>, input: OutboundInput) {
    const { record } = await enqueue(who, input);
    await drainOutboundQueue(f.db, who.account.id);
    const [copy] = delivered(record.messageId);
    expect(copy, "delivered once").toBeDefined();
    return { record, parsed: await simpleParser(copy!.raw) };
  }

  it("sends files and inline images byte for byte, and the record lists them without their bytes", async () => {
    const who = await sender("files@example.test");
    const { record, parsed } = await sendAndParse(
      who,
      message({
        html: '<p>Our logo: <img src="cid:logo@example.test"></p>',
        attachments: [
          { filename: "report (final).bin", contentType: "application/octet-stream", contentBase64: binary.toString("base64") },
          { filename: "logo.png", contentType: "image/png", contentBase64: logo.toString("base64"), inline: true, cid: "logo@example.test" },
          { filename: "Grüße.txt", contentType: "text/plain", contentBase64: Buffer.from("héllo\n").toString("base64") },
        ],
      }),
    );
    const byName = new Map(parsed.attachments.map((file) => [file.filename, file]));
    expect(byName.get("report (final).bin")!.content.equals(binary)).toBe(true);
    expect(byName.get("Grüße.txt")!.content.toString("utf8")).toBe("héllo\n");
    const inline = byName.get("logo.png")!;
    expect([inline.contentDisposition, inline.cid, inline.content.equals(logo)]).toEqual(["inline", "logo@example.test", true]);
    // The HTML's cid: reference finds the inline file (mailparser resolves it into the image's bytes).
    expect(parsed.html).toContain(`src="data:image/png;base64,${logo.toString("base64")}"`);

    const stored = await getOutboundMessageOrThrow(f.db, record.id, who.user);
    expect(stored.status).toBe("sent");
    expect(stored.attachments).toEqual([
      { filename: "report (final).bin", contentType: "application/octet-stream", size: binary.length, inline: false },
      { filename: "logo.png", contentType: "image/png", size: logo.length, inline: true },
      { filename: "Grüße.txt", contentType: "text/plain", size: 7, inline: false },
    ]);
    expect(JSON.stringify(stored)).not.toContain(binary.subarray(256, 300).toString("base64"));
  });

  it("forwards a received message's attachment by its id, and refuses one of another user's mailbox", async () => {
    const who = await sender("forward@example.test");
    const stranger = await sender("stranger@example.test");
    const received = await f.db.inboundMessage.create({
      data: {
        emailAccountId: who.account.id,
        folder: "INBOX",
        uidValidity: 1n,
        uid: 1n,
        size: 10,
        raw: new Uint8Array(),
        attachments: { create: { filename: "invoice.pdf", contentType: "application/pdf", size: 5_000, content: new Uint8Array(logo.subarray(0, 5_000)) } },
      },
      include: { attachments: true },
    });
    const attachmentId = received.attachments[0]!.id;
    const { parsed } = await sendAndParse(who, message({ subject: "Fwd: invoice", attachments: [{ receivedAttachmentId: attachmentId }] }));
    expect(parsed.attachments.map((file) => [file.filename, file.contentType, file.content.equals(logo.subarray(0, 5_000))])).toEqual([
      ["invoice.pdf", "application/pdf", true],
    ]);

    const refused = await appError(
      enqueueOutboundMessage(f.db, { emailAccountId: stranger.account.id, input: message({ attachments: [{ receivedAttachmentId: attachmentId }] }), caller: stranger.user }),
    );
    expect([refused.status, refused.issues]).toEqual([400, [{ path: "attachments.0.receivedAttachmentId", message: "no such attachment" }]]);
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: stranger.account.id } })).toBe(0);

    // One stored file named many times is measured from its stored size, before any copy is loaded.
    setRuntimeEnv({ MAIL_MAX_MESSAGE_BYTES: "12000" });
    try {
      const repeated = await appError(enqueue(who, message({ attachments: Array.from({ length: 3 }, () => ({ receivedAttachmentId: attachmentId })) })));
      expect([repeated.status, repeated.code]).toEqual([413, "payload_too_large"]);
    } finally {
      setRuntimeEnv({ MAIL_MAX_MESSAGE_BYTES: "" });
    }
  });

  it("refuses a message whose files pass the size limit, and bad files, queueing nothing", async () => {
    const who = await sender("big-files@example.test");
    const refuse = (input: OutboundInput) => appError(enqueue(who, input));
    setRuntimeEnv({ MAIL_MAX_MESSAGE_BYTES: "200000" });
    try {
      // 160 KB of file is about 220 KB once base64-encoded on the wire.
      const tooBig = await refuse(message({ attachments: [{ filename: "big.bin", contentBase64: randomBytes(160_000).toString("base64") }] }));
      expect([tooBig.status, tooBig.code]).toEqual([413, "payload_too_large"]);
      expect(tooBig.message).toMatch(/with its attachments would be about 0\.2 MB when sent; the limit is 0\.2 MB \(MAIL_MAX_MESSAGE_BYTES\)\. Nothing was queued\./);
    } finally {
      setRuntimeEnv({ MAIL_MAX_MESSAGE_BYTES: "" });
    }
    const issues = async (file: unknown) => (await refuse(message({ attachments: [file as never] }))).issues;
    expect(await issues({ filename: "a.txt", contentBase64: "not base64!" })).toEqual([{ path: "attachments.0.contentBase64", message: "must be the file's bytes in base64" }]);
    expect(await issues({ contentBase64: "aGk=" })).toEqual([{ path: "attachments.0.filename", message: "is required" }]);
    expect(await issues({ filename: "../etc/passwd", contentBase64: "aGk=" })).toEqual([
      { path: "attachments.0.filename", message: "must be a file name, without slashes or control characters" },
    ]);
    expect(await issues({ filename: "a.png", contentBase64: "aGk=", inline: true })).toEqual([
      { path: "attachments.0.cid", message: "is required for an inline file: the HTML refers to it by cid" },
    ]);
    expect(await issues({ filename: "a.txt", contentBase64: "aGk=", contentType: "text/plain\r\nBcc: x@example.org" })).toEqual([
      { path: "attachments.0.contentType", message: 'must be a media type like "application/pdf"' },
    ]);
    expect(await issues({ filename: "a.txt", contentBase64: "aGk=", size: 2 })).toEqual([{ path: "attachments.0", message: "unknown field: size" }]);
    expect(await f.db.outboundMessage.count({ where: { emailAccountId: who.account.id } })).toBe(0);
  });

  it("answers a replay with the same files with the first record, and refuses the key for other files", async () => {
    const who = await sender("replay-files@example.test");
    const input = message({ idempotencyKey: "with-files", attachments: [{ filename: "a.txt", contentBase64: Buffer.from("one").toString("base64") }] });
    const first = await enqueue(who, input);
    const again = await enqueue(who, input);
    expect([again.created, again.record.id]).toEqual([false, first.record.id]);
    const changed = await appError(enqueue(who, { ...input, attachments: [{ filename: "a.txt", contentBase64: Buffer.from("two").toString("base64") }] }));
    expect([changed.status, changed.code]).toEqual([409, "conflict"]);
  });
});

describe("the Sent view", () => {
  it("lists an account's messages newest first, paged and filtered, to its owner only", async () => {
    const who = await sender("sent-list@example.test");
    const stranger = await sender("sent-stranger@example.test");
    const queued = [];
    for (let index = 0; index < 5; index++) queued.push((await enqueue(who, message({ subject: `Listed ${index}` }))).record);
    await f.db.outboundMessage.update({ where: { id: queued[0]!.id }, data: { status: "failed", lastError: "550 5.1.1 user unknown" } });

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listSentMessages(f.db, who.account.id, who.user, { cursor }, 2);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.subject));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(["Listed 4", "Listed 3", "Listed 2", "Listed 1", "Listed 0"]);
    expect((await listSentMessages(f.db, who.account.id, who.user, { status: "failed" })).items.map((item) => item.subject)).toEqual(["Listed 0"]);
    const foreign = await appError(listSentMessages(f.db, who.account.id, stranger.user, {}));
    expect([foreign.status, foreign.code]).toEqual([404, "not_found"]);
  });

  it("retries a failed message for all its recipients with 24 fresh hours, same Message-ID", async () => {
    const who = await sender("sent-retry@example.test");
    smtp.failNext(1, { code: 550, message: "5.1.1 User unknown" });
    const { record } = await enqueue(who);
    await drainOutboundQueue(f.db, who.account.id);
    expect((await row(record.id)).status).toBe("failed");
    await f.db.outboundMessage.update({ where: { id: record.id }, data: { retrySince: new Date(Date.now() - 25 * 3600_000) } });

    const retried = await retryOutboundMessage(f.db, record.id, who.user);
    expect(retried.status).toBe("queued");
    expect(Date.now() - (await row(record.id)).retrySince.getTime()).toBeLessThan(60_000);
    await drainOutboundQueue(f.db, who.account.id);
    expect((await row(record.id)).status).toBe("sent");
    expect(delivered(record.messageId)).toHaveLength(1);

    const again = await appError(retryOutboundMessage(f.db, record.id, who.user));
    expect([again.status, again.message]).toEqual([409, "This message is already sent: only a queued or failed message can be retried"]);
  });

  it("cancels a queued message so no drain sends it, and refuses to cancel what is sent", async () => {
    const who = await sender("sent-cancel@example.test");
    const { record } = await enqueue(who);
    expect((await cancelOutboundMessage(f.db, record.id, who.user)).status).toBe("cancelled");
    await drainOutboundQueue(f.db, who.account.id);
    expect(delivered(record.messageId)).toHaveLength(0);
    expect((await appError(retryOutboundMessage(f.db, record.id, who.user))).status).toBe(409);

    const other = await enqueue(who);
    await drainOutboundQueue(f.db, who.account.id);
    const refused = await appError(cancelOutboundMessage(f.db, other.record.id, who.user));
    expect([refused.status, refused.message]).toEqual([409, "This message is already sent: only a queued or failed message can be cancelled"]);
    const stranger = await sender("cancel-stranger@example.test");
    expect((await appError(cancelOutboundMessage(f.db, other.record.id, stranger.user))).status).toBe(404);
  });
});

describe("through pg-boss", () => {
  it("sends a message queued by the API function through the job runner, and drains a burst in one job", async () => {
    setDb(f.db);
    const who = await sender("jobs@example.test", { sendLimits: { perMinute: 10_000, connections: 3 } });
    // The tests above drained directly and left their accounts' drain jobs queued: the runner
    // takes one job per polling interval (2 s), so they would only delay this test.
    await f.db.$executeRaw`DELETE FROM pgboss.job WHERE name = 'send-outbound'`;
    const boss = await startJobRunner(f.databaseUrl);
    try {
      const { record } = await enqueue(who);
      const sent = await waitFor(async () => {
        const stored = await row(record.id);
        return stored.status === "sent" ? stored : null;
      }, 20_000, "the message to be sent by the job");
      expect(delivered(sent.messageId)).toHaveLength(1);

      const burst = await Promise.all(Array.from({ length: 40 }, () => enqueue(who)));
      await waitFor(
        async () => (await f.db.outboundMessage.count({ where: { emailAccountId: who.account.id, status: "sent" } })) === 41,
        20_000,
        "the burst to be sent",
      );
      for (const { record: r } of burst) expect(delivered(r.messageId)).toHaveLength(1);
      const [jobs] = await f.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'send-outbound' AND singleton_key = ${who.account.id}`;
      // One job for the first message, then one or two for 40 enqueues (one queued per key at a time).
      expect(jobs!.n).toBeLessThanOrEqual(4);
    } finally {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    }
  });
});

describe("the outbound sweep", () => {
  it("puts rows of a dead worker back and queues a drain for every account with due rows", async () => {
    setDb(f.db);
    const stuck = await sender("sweep-stuck@example.test");
    const due = await sender("sweep-due@example.test");
    const paused = await sender("sweep-paused@example.test");
    const a = await enqueue(stuck);
    await enqueue(due);
    await enqueue(paused);
    await f.db.emailAccount.update({ where: { id: paused.account.id }, data: { outgoingStatus: "paused" } });
    await f.db.$executeRaw`UPDATE outbound_messages SET status = 'sending', updated_at = now() - interval '6 minutes' WHERE id = ${a.record.id}::uuid`;
    await f.db.$executeRaw`DELETE FROM pgboss.job WHERE name = 'send-outbound'`;

    await outboundSweep.handle({});
    expect((await row(a.record.id)).status).toBe("queued");
    expect(await drainJobs(stuck.account.id)).toBe(1);
    expect(await drainJobs(due.account.id)).toBe(1);
    expect(await drainJobs(paused.account.id)).toBe(0);
  });
});

function readOk(attempts: unknown): boolean[] {
  return (attempts as { ok: boolean }[]).map((a) => a.ok);
}
