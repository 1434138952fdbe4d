import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { registerCleanup } from "../support/cleanup";
import { createMailFixture, testMessage, waitFor, type MailFixture } from "../support/mail-fixture";

let f: MailFixture;

beforeAll(async () => {
  f = await createMailFixture();
});

function startWorker(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // `node --import tsx` runs the worker in this one process (the tsx CLI would fork a child
    // that survives a kill -9 of its parent).
    const child = spawn(process.execPath, ["--import", "tsx", path.resolve("tests/support/mail-worker-process.ts")], {
      env: {
        ...process.env,
        DATABASE_URL: f.databaseUrl,
        ENCRYPTION_KEYS: f.encryptionKeys,
        INSECURE_OAUTH_HOSTS: "127.0.0.1",
        APP_URL: "http://127.0.0.1:3999",
        LOG_LEVEL: "silent",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    registerCleanup(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().startsWith("ready")) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
  });
}

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
    await waitFor(async () => (await f.db.inboundMessage.count()) === 20, 60_000, "20 first messages");
    await waitFor(async () => {
      const counts = [...(await leasesByWorker()).values()];
      return counts.length === 2 && counts.every((count) => count === 10);
    }, 60_000, "an even split of the accounts");

    // Kill one worker outright: its claims lapse and the other takes its accounts over.
    first.kill("SIGKILL");
    const killedAt = Date.now();
    for (const { email } of accounts) await f.dovecot.deliver(email, testMessage({ subject: "after the crash" }));
    await waitFor(async () => (await f.db.inboundMessage.count({ where: { subject: "after the crash" } })) === 20, 90_000, "every account served again");
    const takeoverSeconds = (Date.now() - killedAt) / 1000;
    expect(takeoverSeconds).toBeLessThan(90);

    const perAccount = await f.db.inboundMessage.groupBy({ by: ["emailAccountId"], _count: { _all: true } });
    expect(perAccount).toHaveLength(20);
    expect(perAccount.every((row) => row._count._all === 2)).toBe(true);
    const leases = await leasesByWorker();
    expect([...leases.values()]).toEqual([20]);
    expect(second.exitCode).toBeNull();
  }, 240_000);
});
