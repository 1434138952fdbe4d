import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setRuntimeEnv } from "#lib/env";
import { enqueueOutboundMessage } from "#lib/outbound/enqueue-outbound-message";
import { recoverStuckOutbound } from "#lib/outbound/recover-outbound";
import { stopJobSender } from "#lib/queue/enqueue-job";
import { registerCleanup } from "#tests/support/cleanup";
import { createMailFixture, testMessage, waitFor, type MailFixture } from "#tests/support/mail-fixture";
import { spawnMailWorker } from "#tests/support/spawn-mail-worker";
import { startSmtpServer, type TestSmtpServer } from "#tests/support/smtp-server";

// kill -9 at ten moments during a sync and during a send: nothing lost, nothing
// stored twice, and any message sent twice is recognisable by its Message-ID.
// The moments come from a seeded generator, so a failure can be replayed.
const KILLS = 10;

function moments(seed: number, min: number, max: number): number[] {
  let state = seed;
  return Array.from({ length: KILLS }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return min + (state % (max - min));
  });
}

let f: MailFixture;
let workers: ChildProcess[] = [];

beforeEach(async () => {
  f = await createMailFixture();
});

afterEach(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
  workers = [];
  await f.dovecot.stop();
});

/**
 * What the heartbeat lapse does 30 s after a worker dies, at once: its
 * claims become free. The dead process stays dead; its epoch fencing stands.
 */
async function lapseDeadClaims(): Promise<void> {
  await f.db.$executeRaw`UPDATE mail_account_leases SET heartbeat_at = now() - interval '1 hour'`;
  await f.db.$executeRaw`UPDATE mail_workers SET heartbeat_at = now() - interval '1 hour'`;
}

describe("kill -9 at random moments", () => {
  it("during the sync of 2,000 messages: each stored exactly once", async () => {
    const { account } = await f.mailUser("killed-sync@example.test");
    await f.dovecot.deliverMany("killed-sync@example.test", Array.from({ length: 2000 }, (_, index) => testMessage({ subject: `m${index}` })));
    const stored = () => f.db.inboundMessage.count({ where: { emailAccountId: account.id } });
    let kills = 0;
    for (const wait of moments(20261207, 50, 1200)) {
      if ((await stored()) === 2000) break;
      const worker = await spawnMailWorker({ databaseUrl: f.databaseUrl, encryptionKeys: f.encryptionKeys });
      workers.push(worker);
      await new Promise((resolve) => setTimeout(resolve, wait));
      worker.kill("SIGKILL");
      kills++;
      await new Promise((resolve) => worker.once("exit", resolve));
      await lapseDeadClaims();
    }
    expect(kills).toBeGreaterThan(1);
    const survivor = await spawnMailWorker({ databaseUrl: f.databaseUrl, encryptionKeys: f.encryptionKeys });
    workers.push(survivor);
    await waitFor(async () => (await stored()) === 2000, 120_000, "all 2,000 messages");
    const uids = await f.db.inboundMessage.groupBy({ by: ["uid"], where: { emailAccountId: account.id } });
    expect(uids).toHaveLength(2000);
    const subjects = await f.db.inboundMessage.groupBy({ by: ["subject"], where: { emailAccountId: account.id } });
    expect(subjects).toHaveLength(2000);
    const state = await f.db.mailboxState.findFirstOrThrow({ where: { emailAccountId: account.id } });
    expect(state.lastUid).toBe(2000n);
  }, 300_000);

  it("during the sending of 300 queued messages: each delivered, a second copy only of one in flight at a kill", async () => {
    const smtp: TestSmtpServer = await startSmtpServer({ introspect: (token) => f.provider.introspect(token) });
    setRuntimeEnv({ DATABASE_URL: f.databaseUrl });
    registerCleanup(() => stopJobSender());
    const { user, account } = await f.mailUser("killed-send@example.test", {
      smtp: { host: "127.0.0.1", port: smtp.port, security: "none", login: "killed-send@example.test" },
      sendLimits: { perMinute: 100_000, connections: 3 },
    });
    // Slow enough (about 150 messages a second over 3 connections) that each kill lands in the middle of sending.
    smtp.setDelay(20);
    const queued = [];
    for (let index = 0; index < 300; index++) {
      const { record } = await enqueueOutboundMessage(f.db, {
        emailAccountId: account.id,
        input: { to: [`to-${index}@example.test`], subject: `Queued ${index}`, text: `Message ${index}` },
        caller: user,
      });
      queued.push(record);
    }
    const drain = () => {
      const child = spawn(process.execPath, ["--import", "tsx", path.resolve("tests/support/drain-process.ts"), account.id], {
        env: { ...process.env, DATABASE_URL: f.databaseUrl, ENCRYPTION_KEYS: f.encryptionKeys, INSECURE_OAUTH_HOSTS: "127.0.0.1", APP_URL: "http://127.0.0.1:3999", LOG_LEVEL: "silent" },
        stdio: ["ignore", "pipe", "inherit"],
      });
      workers.push(child);
      const ready = new Promise<void>((resolve) => child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve()));
      return { child, ready };
    };
    const delivered = () => smtp.messages.filter((message) => message.envelope.from === "killed-send@example.test").length;
    for (const wait of moments(7, 100, 500)) {
      const { child, ready } = drain();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      await ready;
      await new Promise((resolve) => setTimeout(resolve, wait));
      child.kill("SIGKILL");
      await exited;
      // What the outbound sweep does 5 minutes after a worker died mid-send, at once.
      await recoverStuckOutbound(f.db, 0);
    }
    const { child: last } = drain();
    await new Promise((resolve) => last.once("exit", resolve));
    expect(last.exitCode).toBe(0);

    const rows = await f.db.outboundMessage.findMany({ where: { emailAccountId: account.id } });
    expect(rows.map((row) => row.status).filter((status) => status !== "sent")).toEqual([]);
    const copies = new Map<string, number>();
    for (const message of smtp.messages) {
      const messageId = /^Message-ID: (.*)$/im.exec(message.raw.toString())?.[1]?.trim();
      if (messageId) copies.set(messageId, (copies.get(messageId) ?? 0) + 1);
    }
    // Every queued message arrived, under the Message-ID it was queued with.
    expect(queued.every((record) => (copies.get(record.messageId) ?? 0) >= 1)).toBe(true);
    // A second copy only of a message whose first try a kill cut short (its record says so).
    const interrupted = new Set(rows.filter((row) => JSON.stringify(row.attempts).includes("the worker stopped during this send")).map((row) => row.messageId));
    const twice = [...copies].filter(([, count]) => count > 1).map(([messageId]) => messageId);
    for (const messageId of twice) expect([messageId, interrupted.has(messageId)]).toEqual([messageId, true]);
    expect(delivered()).toBe(300 + twice.reduce((sum, messageId) => sum + copies.get(messageId)! - 1, 0));
  }, 300_000);
});
