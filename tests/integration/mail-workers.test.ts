import { beforeEach, describe, expect, it } from "vitest";
import { mailWorkersPerTest } from "#tests/support/mail-workers-per-test";
import { describeMailWorkers, testMessage, waitFor, type MailFixture } from "#tests/support/mail-fixture";

const workers = mailWorkersPerTest();
const startWorker = () => workers.startWorker();
let f: MailFixture;

beforeEach(() => {
  f = workers.fixture;
});

async function leasesByWorker(): Promise<Map<string, number>> {
  const rows = await f.db.mailAccountLease.groupBy({ by: ["workerId"], _count: { _all: true } });
  return new Map(rows.map((row) => [row.workerId, row._count._all]));
}

describe("several mail workers", () => {
  it("share 20 accounts without storing anything twice, and take over a killed worker's accounts", async () => {
    const accounts = [];
    for (let i = 0; i < 20; i++) {
      const email = `shared-${i}@example.test`;
      const { account } = await f.mailUser(email);
      await f.dovecot.deliver(email, testMessage({ subject: `first for ${i}` }));
      accounts.push({ id: account.id, email });
    }
    const first = await startWorker();
    const second = await startWorker();
    await waitFor(async () => (await f.db.inboundMessage.count()) === 20, 60_000, "20 first messages", () => describeMailWorkers(f.db));
    await waitFor(async () => {
      const counts = [...(await leasesByWorker()).values()];
      return counts.length === 2 && counts.every((count) => count === 10);
    }, 60_000, "an even split of the accounts", () => describeMailWorkers(f.db));

    // Kill one worker outright: its database connection closes and the other takes its accounts over (ADR 0015).
    first.kill("SIGKILL");
    for (const { email } of accounts) await f.dovecot.deliver(email, testMessage({ subject: "after the crash" }));
    await waitFor(async () => (await f.db.inboundMessage.count({ where: { subject: "after the crash" } })) === 20, 90_000, "every account served again", () => describeMailWorkers(f.db));

    const perAccount = await f.db.inboundMessage.groupBy({ by: ["emailAccountId"], _count: { _all: true } });
    expect(perAccount).toHaveLength(20);
    expect(perAccount.every((row) => row._count._all === 2)).toBe(true);
    const leases = await leasesByWorker();
    expect([...leases.values()]).toEqual([20]);
    expect(second.exitCode).toBeNull();
  }, 240_000);

  it("stores every message exactly once when a worker is killed in the middle of a sync", async () => {
    const { account } = await f.mailUser("midsync@example.test");
    await f.dovecot.deliverMany("midsync@example.test", Array.from({ length: 3000 }, () => testMessage()));
    const doomed = await startWorker();
    await waitFor(async () => {
      const stored = await f.db.inboundMessage.count({ where: { emailAccountId: account.id } });
      return stored > 0 && stored < 3000;
    }, 60_000, "a sync in progress");
    doomed.kill("SIGKILL");
    const storedAtKill = await f.db.inboundMessage.count({ where: { emailAccountId: account.id } });
    await startWorker();
    await waitFor(async () => (await f.db.inboundMessage.count({ where: { emailAccountId: account.id } })) === 3000, 120_000, "all 3,000 messages", () => describeMailWorkers(f.db));
    expect(storedAtKill).toBeLessThan(3000);
    const distinct = await f.db.inboundMessage.groupBy({ by: ["uid"], where: { emailAccountId: account.id } });
    expect(distinct).toHaveLength(3000);
    const state = await f.db.mailboxState.findFirstOrThrow({ where: { emailAccountId: account.id } });
    expect(state.lastUid).toBe(3000n);
  }, 240_000);
});
