import { beforeEach, describe, expect, it } from "vitest";
import type { MailWorkerOptions } from "#lib/mail/mail-worker";
import { mailWorkersPerTest } from "#tests/support/mail-workers-per-test";
import { postgresConnectionsOf } from "#tests/support/spawn-mail-worker";
import { describeMailWorkers, testMessage, waitFor, type MailFixture } from "#tests/support/mail-fixture";

// How the workers come back (ADR 0015): a dead worker is seen through its closed database connection, a stuck one
// through its heartbeat; sessions connect through a queue of bounded concurrency and rate. No timing thresholds:
// each test is built so that only the mechanism it checks can make it pass.
const workers = mailWorkersPerTest();
const startWorker = (options?: MailWorkerOptions) => workers.startWorker(options);
let f: MailFixture;

beforeEach(() => {
  f = workers.fixture;
});

async function mailboxes(count: number, prefix: string): Promise<{ id: string; email: string }[]> {
  const accounts = [];
  for (let i = 0; i < count; i++) {
    const email = `${prefix}-${i}@example.test`;
    const { account } = await f.mailUser(email);
    accounts.push({ id: account.id, email });
  }
  return accounts;
}

async function leaseCounts(): Promise<number[]> {
  const rows = await f.db.mailAccountLease.groupBy({ by: ["workerId"], _count: { _all: true } });
  return rows.map((row) => row._count._all).sort((a, b) => a - b);
}

async function storedWithSubject(subject: string): Promise<number> {
  return f.db.inboundMessage.count({ where: { subject } });
}


describe("mail workers recovering", () => {
  it("take over a killed worker's accounts once its database connection closes, with claims that would not lapse for an hour", async () => {
    const accounts = await mailboxes(12, "liveness");
    // An hour's lapse: the heartbeat cannot explain a takeover within this test, only the closed connection can.
    const options = { leaseLapseSeconds: 3600 };
    const first = await startWorker(options);
    const second = await startWorker(options);
    await waitFor(async () => (await leaseCounts()).join() === "6,6", 60_000, "an even split of the accounts", () => describeMailWorkers(f.db));
    const firstId = (await f.db.mailWorker.findFirstOrThrow({ where: { pid: first.pid! } })).id;
    const epochsBefore = new Map((await f.db.mailAccountLease.findMany({ where: { workerId: firstId } })).map((lease) => [lease.emailAccountId, lease.epoch]));

    first.kill("SIGKILL");
    for (const { email } of accounts) await f.dovecot.deliver(email, testMessage({ subject: "after the kill" }));
    await waitFor(async () => (await storedWithSubject("after the kill")) === 12, 60_000, "every account served again", () => describeMailWorkers(f.db));

    expect(await leaseCounts()).toEqual([12]);
    // Each account taken over has a new epoch: the dead worker's writes, had it any left, would be refused.
    const taken = await f.db.mailAccountLease.findMany({ where: { emailAccountId: { in: [...epochsBefore.keys()] } } });
    expect(taken).toHaveLength(6);
    for (const lease of taken) expect(lease.epoch).toBe(epochsBefore.get(lease.emailAccountId)! + 1n);
    // The dashboard says so too: the killed worker is gone although its last heartbeat is recent.
    const { listMailWorkers } = await import("#lib/mail/list-mail-workers");
    const listed = await listMailWorkers(f.db);
    expect(listed.find((worker) => worker.pid === first.pid)?.alive).toBe(false);
    expect(listed.find((worker) => worker.pid === second.pid)?.alive).toBe(true);
    const perAccount = await f.db.inboundMessage.groupBy({ by: ["emailAccountId"], _count: { _all: true } });
    expect(perAccount.every((row) => row._count._all === 1)).toBe(true);
  }, 180_000);

  it("leave a stopped (SIGSTOP) worker's accounts alone while its connection is open, take them when its heartbeat lapses, and store nothing twice when it wakes", async () => {
    const accounts = await mailboxes(8, "stuck");
    const options = { leaseLapseSeconds: 12 };
    const stuck = await startWorker(options);
    await startWorker(options);
    await waitFor(async () => (await leaseCounts()).join() === "4,4", 60_000, "an even split of the accounts", () => describeMailWorkers(f.db));
    const stuckId = (await f.db.mailWorker.findFirstOrThrow({ where: { pid: stuck.pid! } })).id;
    const stuckAccounts = (await f.db.mailAccountLease.findMany({ where: { workerId: stuckId } })).map((lease) => lease.emailAccountId);

    stuck.kill("SIGSTOP");
    // Its connection stays open: several balance rounds (2 s) later its claims are still its own.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const heldWhileStopped = await f.db.mailAccountLease.count({ where: { workerId: stuckId } });
    for (const { email } of accounts) await f.dovecot.deliver(email, testMessage({ subject: "while stuck" }));
    // Then its heartbeat lapses and the other worker serves every account.
    await waitFor(async () => (await storedWithSubject("while stuck")) === 8, 90_000, "every account served despite the stuck worker", () => describeMailWorkers(f.db));
    expect(heldWhileStopped).toBe(4);
    expect(await f.db.mailAccountLease.count({ where: { workerId: stuckId } })).toBe(0);

    // It wakes up with sessions it no longer owns: it drops them, writes nothing, and takes its share again later.
    stuck.kill("SIGCONT");
    for (const { email } of accounts) await f.dovecot.deliver(email, testMessage({ subject: "after waking" }));
    await waitFor(async () => (await storedWithSubject("after waking")) === 8, 60_000, "every account served after the wake-up", () => describeMailWorkers(f.db));
    await waitFor(async () => (await leaseCounts()).join() === "4,4", 60_000, "the split again", () => describeMailWorkers(f.db));
    const perAccount = await f.db.inboundMessage.groupBy({ by: ["emailAccountId"], _count: { _all: true } });
    expect(perAccount).toHaveLength(8);
    expect(perAccount.map((row) => row._count._all)).toEqual(Array(8).fill(2));
    expect(stuckAccounts).toHaveLength(4);
  }, 240_000);

  it("open no more database connections than the pool and the notification connection, however many accounts", async () => {
    const accounts = await mailboxes(40, "bounded");
    for (const { email } of accounts) await f.dovecot.deliver(email, testMessage({ subject: "to each" }));
    const first = await startWorker();
    const second = await startWorker();
    await waitFor(async () => (await storedWithSubject("to each")) === 40, 90_000, "40 accounts synced", () => describeMailWorkers(f.db));
    // Every account asks for a sync at once, to press on the pool.
    const { requestSync } = await import("#lib/mail/notify-workers");
    for (const { id } of accounts) await requestSync(f.db, id);
    const peaks = [0, 0];
    for (let sample = 0; sample < 20; sample++) {
      const counts = await Promise.all([postgresConnectionsOf(f.db, first.pid!), postgresConnectionsOf(f.db, second.pid!)]);
      peaks[0] = Math.max(peaks[0]!, counts[0]!);
      peaks[1] = Math.max(peaks[1]!, counts[1]!);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // lib/db.ts: a pool of at most 10, plus the one connection that LISTENs and shows the worker alive.
    for (const peak of peaks) {
      expect(peak).toBeGreaterThanOrEqual(1);
      expect(peak).toBeLessThanOrEqual(11);
    }
  }, 180_000);

  it("bring 200 sessions back after Dovecot restarts, with at most the configured connects per second", async () => {
    const connectsPerSecond = 20;
    const count = 200;
    const emails = Array.from({ length: count }, (_, i) => `restart-${i}@example.test`);
    // Eight at a time: the set-up's own logins are not what this test counts.
    for (let i = 0; i < count; i += 8) await Promise.all(emails.slice(i, i + 8).map((email) => f.mailUser(email)));
    await startWorker({ connectsPerSecond, connectConcurrency: 16 });
    const allSyncedSince = (since: Date) => async () =>
      (await f.db.emailAccount.count({ where: { lastSyncAt: { gte: since }, incomingStatus: "active" } })) === count;
    await waitFor(allSyncedSince(new Date(0)), 120_000, "200 sessions open", () => describeMailWorkers(f.db));

    const logBefore = (await f.dovecot.log()).length;
    const restartedAt = new Date();
    await f.dovecot.restart();
    await waitFor(allSyncedSince(restartedAt), 120_000, "200 sessions back after the restart", () => describeMailWorkers(f.db));

    // Dovecot logs each login with a timestamp to the second ("Dec 07 06:20:01 imap-login: Info: Login: user=<…>").
    const logins = (await f.dovecot.log())
      .slice(logBefore)
      .split("\n")
      .filter((line) => line.includes("imap-login: Info: Login: user=<restart-"));
    const perSecond = new Map<string, number>();
    for (const line of logins) perSecond.set(line.slice(0, 15), (perSecond.get(line.slice(0, 15)) ?? 0) + 1);
    expect(logins.length).toBeGreaterThanOrEqual(count);
    // The gate starts at most 20 connects in any second; a login is logged a little after its start, so one calendar
    // second may hold some of the next second's starts: never twice the rate. Without the gate, the 200 sessions come
    // back within the same second or two (their backoff is 2 to 3 s after the drop).
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(2 * connectsPerSecond);
    expect(perSecond.size).toBeGreaterThanOrEqual(count / (2 * connectsPerSecond));
  }, 300_000);
});
