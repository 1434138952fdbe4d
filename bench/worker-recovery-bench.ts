import os from "node:os";
import type { Db } from "#lib/db";
import { setRuntimeEnv } from "#lib/env";
import { logger } from "#lib/logger";
import { CONNECT_CONCURRENCY } from "#lib/mail/mail-worker";
import { createOAuthFixture } from "#tests/support/oauth-fixture";
import { startDovecot } from "#tests/support/dovecot";
import { runCleanups } from "#tests/support/cleanup";
import { postgresConnectionsOf } from "#tests/support/spawn-mail-worker";
import { createBenchDatabase } from "./bench-database";
import {
  connectedClient,
  dovecotSessions,
  eachLimited,
  mailUser,
  processCpuSeconds,
  round,
  seconds,
  serverCpuSeconds,
  settledMemory,
  smallMessage,
  startWorkerProcess,
  waitUntil,
  type Setup,
  type WorkerProcess,
} from "./mail-bench-support";

/**
 * How fast mail workers have every account's IMAP session open again
 * (ADR 0015), with 500 stored accounts on Dovecot (XOAUTH2 with real tokens):
 * - after a worker's first start, a graceful restart (SIGTERM, start), and a
 *   start right after `kill -9` of the previous worker;
 * - failover: two workers share the accounts, one is killed with `kill -9`,
 *   until the survivor holds them all with their sessions open;
 * then 1,000 accounts on two workers: the RSS and PostgreSQL connections of each.
 *
 * "Open" means the session logged in, synced INBOX and is about to IDLE: the
 * account's last_sync_at is newer than the moment measured from. The baseline,
 * in the same run: bare imapflow sessions of the same accounts opened by this
 * process (credentials, login, INBOX selected) CONNECT_CONCURRENCY at a time,
 * the floor for any worker on this machine.
 */

const ACCOUNTS = 500;
const MORE_ACCOUNTS = 500;
const SETUP_CONCURRENCY = 8;
const POLL_MS = 100;
const APP_URL = "http://127.0.0.1:3999";
/** PostgreSQL connections a mail worker may open (lib/db.ts pool of 10, plus its LISTEN connection): ADR 0015. */
const CONNECTION_BOUND = 11;
/**
 * The design before ADR 0015 (100 claims per 10 s tick, a dead worker's claims lapsing after 30 s), measured on this
 * machine with this bench's set-up before the change; EmailEngine 2.79.2 against the same Dovecot after a restart.
 */
const BEFORE = { firstStartSeconds: 42, gracefulRestartSeconds: 42, startAfterKill9Seconds: 72, failoverSeconds: 47, emailEngineRestartSeconds: 26.6 };

/** Seconds from `startedMs` until every account of `ids` has synced since `since`; fails early if a worker died. */
async function untilOpen(db: Db, ids: string[], since: Date, startedMs: number, workers: WorkerProcess[], what: string): Promise<number> {
  await waitUntil(
    async () => {
      for (const worker of workers) {
        const died = worker.death();
        if (died) throw new Error(`a worker process ${died}`);
      }
      return (await db.emailAccount.count({ where: { id: { in: ids }, lastSyncAt: { gte: since } } })) === ids.length;
    },
    180_000,
    what,
    POLL_MS,
  );
  return round(seconds(startedMs));
}

interface PhaseCpu {
  workers: number;
  benchProcess: number;
  postgres: number;
  dovecot: number;
}

/**
 * CPU seconds spent while a phase ran: by the workers measured, by this process (it is the OpenID provider that
 * Dovecot asks about every token at login), by PostgreSQL and by Dovecot. Against the wall time, it shows whether
 * the two cores were the limit.
 */
async function cpuOf<T>(workers: () => WorkerProcess[], run: () => Promise<T>): Promise<{ result: T; cpuSeconds: PhaseCpu }> {
  const workerCpu = async () => (await Promise.all(workers().map((worker) => processCpuSeconds(worker.child.pid!)))).reduce((a, b) => a + b, 0);
  const own = process.cpuUsage();
  const servers = await serverCpuSeconds();
  const before = await workerCpu().catch(() => 0);
  const result = await run();
  const after = await workerCpu();
  const serversAfter = await serverCpuSeconds();
  const ownUsed = process.cpuUsage(own);
  return {
    result,
    cpuSeconds: {
      workers: round(after - before),
      benchProcess: round((ownUsed.user + ownUsed.system) / 1e6),
      postgres: round(serversAfter.postgres - servers.postgres),
      dovecot: round(serversAfter.dovecot - servers.dovecot),
    },
  };
}

async function workerId(db: Db, worker: WorkerProcess): Promise<string> {
  return (await db.mailWorker.findFirstOrThrow({ where: { pid: worker.child.pid! } })).id;
}

/** The bare floor: every account's session opened by this process, as a worker would, without storing anything. */
async function bareSessionsSeconds(db: Db, ids: string[]): Promise<number> {
  const started = performance.now();
  const clients = await eachLimited(ids, CONNECT_CONCURRENCY, async (id) => {
    const client = await connectedClient(db, id);
    await client.mailboxOpen("INBOX");
    return client;
  });
  const elapsed = seconds(started);
  await eachLimited(clients, 32, (client) => client.logout().catch(() => client.close()));
  return round(elapsed);
}

export async function workerRecoveryBench(adminUrl: string, log: (line: string) => void = () => {}): Promise<Record<string, unknown>> {
  const benchStarted = performance.now();
  const database = await createBenchDatabase(adminUrl, "bench_recovery");
  const fixture = await createOAuthFixture({ databaseUrl: database.url });
  const variables = { DATABASE_URL: database.url, ENCRYPTION_KEYS: fixture.encryptionKeys, INSECURE_OAUTH_HOSTS: "127.0.0.1", APP_URL, LOG_LEVEL: "silent" };
  setRuntimeEnv(variables);
  const loggerLevel = logger.level;
  logger.level = "silent";
  const { db, provider } = fixture;
  const running: WorkerProcess[] = [];
  const start = async () => {
    const worker = await startWorkerProcess(variables);
    running.push(worker);
    return worker;
  };
  const kill9 = async (worker: WorkerProcess) => {
    const exited = new Promise((resolve) => worker.child.once("exit", resolve));
    worker.child.kill("SIGKILL");
    await exited;
  };
  try {
    const dovecot = await startDovecot({
      introspectionUrl: provider.resourceServer.introspectionEndpoint,
      clientId: provider.resourceServer.clientId,
      clientSecret: provider.resourceServer.clientSecret,
    });
    const app = await fixture.createApp({ providerName: "Bench IdP" });
    const setup: Setup = { db, fixture, dovecot, appId: app.id };
    const addAccounts = (from: number, count: number) =>
      eachLimited(
        Array.from({ length: count }, (_, index) => `recovery-${from + index}@example.test`),
        SETUP_CONCURRENCY,
        async (email, index) => {
          const id = await mailUser(setup, email);
          await dovecot.deliver(email, smallMessage(`recovery-${from + index}`, 0));
          return id;
        },
      );
    const setupStarted = performance.now();
    const ids = await addAccounts(0, ACCOUNTS);
    log(`recovery: ${ids.length} accounts set up in ${seconds(setupStarted).toFixed(1)} s`);

    const bare = await cpuOf(() => [], () => bareSessionsSeconds(db, ids));
    const bareSeconds = bare.result;
    log(`recovery: bare sessions opened in ${bareSeconds} s`);

    /**
     * Spawns a worker and times, from the spawn, until every account's session is open again; with the CPU spent
     * meanwhile and the time until the process was ready (node, the imports, its first claim).
     */
    const startAndTime = async (what: string) => {
      let worker: WorkerProcess | null = null;
      let readySeconds = 0;
      const since = new Date();
      const started = performance.now();
      const { result, cpuSeconds } = await cpuOf(
        () => (worker ? [worker] : []),
        async () => {
          worker = await start();
          readySeconds = round(seconds(started));
          return untilOpen(db, ids, since, started, [worker], `every session after ${what}`);
        },
      );
      log(`recovery: ${what} ${result} s`);
      return { worker: worker!, seconds: result, readySeconds, cpuSeconds };
    };

    // 1. First start: no account has ever been synced.
    const firstStart = await startAndTime("the first start");

    // 2. Graceful restart: SIGTERM hands the claims back; the next worker starts at once.
    const stopStarted = performance.now();
    await firstStart.worker.stop();
    const gracefulStopSeconds = round(seconds(stopStarted));
    const gracefulRestart = await startAndTime("a graceful restart");

    // 3. kill -9, then start: the dead worker's claims are still fresh, but its connection is gone.
    await kill9(gracefulRestart.worker);
    const afterKill9 = await startAndTime("a start that follows kill -9");
    const third = afterKill9.worker;

    // 4. Failover: a second worker joins and opens half the sessions; then the first is killed.
    const joined = new Date();
    const partner = await start();
    const partnerId = await workerId(db, partner);
    await waitUntil(async () => (await db.mailAccountLease.count({ where: { workerId: partnerId } })) === ACCOUNTS / 2, 120_000, "an even split", POLL_MS);
    const partnerAccounts = (await db.mailAccountLease.findMany({ where: { workerId: partnerId }, select: { emailAccountId: true } })).map((lease) => lease.emailAccountId);
    await untilOpen(db, partnerAccounts, joined, performance.now(), [partner, third], "the joining worker's sessions");
    const orphaned = ids.filter((id) => !partnerAccounts.includes(id));
    let since = new Date();
    let started = performance.now();
    let failoverClaimedSeconds = 0;
    const failover = await cpuOf(
      () => [partner],
      async () => {
        await kill9(third);
        await waitUntil(async () => (await db.mailAccountLease.count({ where: { workerId: partnerId } })) === ACCOUNTS, 120_000, "the survivor holding every account", POLL_MS);
        failoverClaimedSeconds = round(seconds(started));
        return untilOpen(db, orphaned, since, started, [partner], "the survivor's sessions of the killed worker's accounts");
      },
    );
    log(`recovery: failover ${failover.result} s (claims taken after ${failoverClaimedSeconds} s)`);

    // 5. 1,000 accounts on two workers starting together.
    await partner.stop();
    const more = await addAccounts(ACCOUNTS, MORE_ACCOUNTS);
    const all = [...ids, ...more];
    since = new Date();
    started = performance.now();
    const pair = await Promise.all([start(), start()]);
    const peakConnections = [0, 0];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const counts = await Promise.all(pair.map((worker) => postgresConnectionsOf(db, worker.child.pid!)));
        counts.forEach((count, index) => (peakConnections[index] = Math.max(peakConnections[index]!, count)));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    const twoWorkersStartSeconds = await untilOpen(db, all, since, started, pair, "1,000 accounts open on two workers");
    const memory = await Promise.all(pair.map((worker) => settledMemory(worker.child.pid!)));
    const held = await Promise.all(pair.map(async (worker) => db.mailAccountLease.count({ where: { workerId: await workerId(db, worker) } })));
    sampling = false;
    await sampler;
    const sessions = await dovecotSessions(dovecot);
    log(`recovery: 1,000 accounts: RSS ${memory.map((m) => m.rssMb).join(" / ")} MB, connections ${peakConnections.join(" / ")}`);
    return {
      accounts: ACCOUNTS,
      baselineBareSessionsSeconds: bareSeconds,
      firstStartSeconds: firstStart.seconds,
      firstStartProcessReadySeconds: firstStart.readySeconds,
      gracefulRestartSeconds: gracefulRestart.seconds,
      gracefulStopSeconds,
      startAfterKill9Seconds: afterKill9.seconds,
      failoverSeconds: failover.result,
      failoverClaimsTakenSeconds: failoverClaimedSeconds,
      ratioToBareSessions: {
        firstStart: round(firstStart.seconds / bareSeconds),
        gracefulRestart: round(gracefulRestart.seconds / bareSeconds),
        startAfterKill9: round(afterKill9.seconds / bareSeconds),
        failover: round(failover.result / bareSeconds),
      },
      // CPU seconds during each (the bench process answers Dovecot's token introspection at every login).
      cpuSeconds: {
        bareSessions: bare.cpuSeconds,
        firstStart: firstStart.cpuSeconds,
        gracefulRestart: gracefulRestart.cpuSeconds,
        startAfterKill9: afterKill9.cpuSeconds,
        failover: failover.cpuSeconds,
        cores: os.availableParallelism(),
      },
      beforeAdr0015: BEFORE,
      twoWorkers: {
        accounts: all.length,
        startSeconds: twoWorkersStartSeconds,
        accountsHeld: held,
        dovecotImapSessions: sessions,
        rssMb: memory.map((m) => m.rssMb),
        peakRssMb: memory.map((m) => m.peakRssMb),
        peakPostgresConnections: peakConnections,
        postgresConnectionBound: CONNECTION_BOUND,
      },
      benchSeconds: round(seconds(benchStarted)),
    };
  } finally {
    await Promise.all(running.map((worker) => worker.stop()));
    await runCleanups();
    logger.level = loggerLevel;
    await database.drop();
  }
}
