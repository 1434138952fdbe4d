import { beforeAll, describe, expect, it } from "vitest";
import { AccountSession } from "#lib/mail/account-session";
import { registerCleanup } from "#tests/support/cleanup";
import { createMailFixture, testMessage, waitFor, type MailFixture } from "#tests/support/mail-fixture";

// An IMAP server that drops the session every 2.5 s for 20 s (a short minute):
// the session reconnects with backoff (2 s × 1.5), nothing is lost or stored
// twice, and nobody is told to reconnect an account that is fine.
let f: MailFixture;

beforeAll(async () => {
  f = await createMailFixture();
});

const DROP_EVERY_MS = 2_500;
const DROPPING_FOR_MS = 20_000;

describe("an IMAP server dropping connections again and again", () => {
  it("is met with backoff, not a storm; nothing lost, nothing twice, no false reconnect", async () => {
    const mailbox = "flaky@example.test";
    const { user, account } = await f.mailUser(mailbox);
    await f.dovecot.deliver(mailbox, testMessage({ subject: "before" }));
    let ended: string | null = null;
    const session = new AccountSession(f.db, account.id, null, { onEnd: (reason) => (ended = reason) });
    registerCleanup(() => session.stop());
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "before" } }), 15_000, "the first sync");
    const loginsBefore = (await f.dovecot.log()).split("\n").filter((line) => line.includes(`Login: user=<${mailbox}>`)).length;

    const subjects = ["before"];
    let drops = 0;
    const until = Date.now() + DROPPING_FOR_MS;
    for (let round = 0; Date.now() < until; round++) {
      const subject = `during ${round}`;
      await f.dovecot.deliver(mailbox, testMessage({ subject }));
      subjects.push(subject);
      await new Promise((resolve) => setTimeout(resolve, DROP_EVERY_MS));
      drops += await f.dovecot.kick(mailbox);
    }
    await f.dovecot.deliver(mailbox, testMessage({ subject: "after" }));
    subjects.push("after");
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "after" } }), 60_000, "the message after the drops");

    expect(ended).toBeNull();
    const stored = await f.db.inboundMessage.findMany({ where: { emailAccountId: account.id }, select: { subject: true } });
    expect(stored.map((message) => message.subject).sort()).toEqual([...subjects].sort());
    // One login per dropped session at most, plus the last reconnect: the backoff, not a loop, decides when.
    const logins = (await f.dovecot.log()).split("\n").filter((line) => line.includes(`Login: user=<${mailbox}>`)).length - loginsBefore;
    expect(drops).toBeGreaterThan(2);
    expect(logins).toBeLessThanOrEqual(drops + 1);
    expect(logins).toBeGreaterThanOrEqual(drops);

    // Now a server that drops every session the moment it appears, for 15 s: the session waits at least
    // 2 s, 3 s, 4.5 s, 6.75 s… between logins (the backoff goes on growing from the drops above, as no
    // connection lasted), where reconnecting at once would have made a login every few milliseconds.
    const loginsNow = () => f.dovecot.log().then((log) => log.split("\n").filter((line) => line.includes(`Login: user=<${mailbox}>`)).length);
    const hammeringFrom = await loginsNow();
    const hammerUntil = Date.now() + 15_000;
    while (Date.now() < hammerUntil) {
      await f.dovecot.kick(mailbox);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const hammeredLogins = (await loginsNow()) - hammeringFrom;
    // 2 + 3 + 4.5 + 6.75 = 16.25 s > 15 s: at most 5 logins fit in the window (one right after the first drop).
    expect(hammeredLogins).toBeGreaterThanOrEqual(1);
    expect(hammeredLogins).toBeLessThanOrEqual(5);
    await f.dovecot.deliver(mailbox, testMessage({ subject: "after the storm" }));
    await waitFor(() => f.db.inboundMessage.findFirst({ where: { emailAccountId: account.id, subject: "after the storm" } }), 60_000, "the message after the storm");
    expect(ended).toBeNull();

    const row = await f.db.emailAccount.findUniqueOrThrow({ where: { id: account.id } });
    expect(row.incomingStatus).not.toBe("paused");
    expect(row.incomingPausedReason).toBeNull();
    expect((await f.db.tokenCache.findFirstOrThrow({ where: { userId: user.id } })).status).toBe("active");
    expect(await f.db.notification.count({ where: { userId: user.id } })).toBe(0);
    await session.stop();
  }, 180_000);
});
