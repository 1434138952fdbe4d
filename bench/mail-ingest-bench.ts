import os from "node:os";
import { poolOf, type Db } from "#lib/db";
import { env, setRuntimeEnv } from "#lib/env";
import { logger } from "#lib/logger";
import { createBenchDatabase } from "./bench-database";
import { realisticCorpus } from "./realistic-corpus";
import { fetchBatches, pendingUids, syncFolder, syncedMessages, type FetchedBatch } from "#lib/mail/sync-folder";
import { AccountSession } from "#lib/mail/account-session";
import { parseMessages } from "#lib/mail/parse-pool";
import { concatenated, storeSyncedMessages, type SyncedMessage } from "#lib/mail/store-synced-messages";
import { createOAuthFixture } from "#tests/support/oauth-fixture";
import { startDovecot } from "#tests/support/dovecot";
import { runCleanups } from "#tests/support/cleanup";
import {
  connectedClient,
  cpuDuring,
  dovecotSessions,
  eachLimited,
  mailUser,
  messageIdOf,
  percentile,
  processCpuSeconds,
  rawFetch,
  round,
  seconds,
  settledMemory,
  sleep,
  smallMessage,
  startWorkerProcess,
  waitUntil,
  type Setup,
} from "./mail-bench-support";

/**
 * Mail figures, all on this machine
 * against Dovecot and the test OpenID provider (XOAUTH2 with real tokens):
 * - ingest: the first syncFolder() of an INBOX into PostgreSQL against a raw
 *   imapflow fetch of the same mailbox (warm), for 5,000 small messages (the
 *   cost per message) and for a realistic corpus of 1,000 (bench/realistic-corpus.ts:
 *   HTML, inline images, attachments up to a few MB, several charsets,
 *   threads); messages/s, MB/s and the CPU seconds of this process,
 *   PostgreSQL and Dovecot during each, and each stage of the sync run alone;
 * - IDLE: seconds from a message landing in Maildir/new to its row in
 *   inbound_messages, through an AccountSession in IDLE, against a bare IDLE
 *   client's wait for the server's EXISTS;
 * - memory: RSS of one MailWorker process holding many idle accounts, against
 *   the same process holding none.
 */

const INGEST_MESSAGES = 5000;
/** The realistic corpus (bench/realistic-corpus.ts): about 170 MB, median about 50 KB. */
const REALISTIC_MESSAGES = 1000;
const WARMUP_MESSAGES = 200;
const IDLE_SAMPLES = 30;
const IDLE_POLL_MS = 20;
// Dovecot reports a change 500 ms after it sees it (NOTIFY_DELAY_MSECS in its mailbox-watch.c), and its
// own move of a message from new/ to cur/ starts another such wait: 700 ms between a message being
// stored and the next delivery lets that wait lapse, so each baseline sample starts from a quiet mailbox.
const IDLE_SPACING_MS = 700;
const IDLE_ACCOUNTS = 500;
const SETUP_CONCURRENCY = 8;
const APP_URL = "http://127.0.0.1:3999";

// --- 1. ingest ---------------------------------------------------------------------

interface RunFigures {
  seconds: number;
  messagesPerSecond: number;
  mbPerSecond: number;
  cpuSeconds: { thisProcess: number; postgres: number; dovecot: number };
  cpuSecondsPer1000Messages: { thisProcess: number; postgres: number; dovecot: number };
}

function runFigures(messages: number, bytes: number, seconds: number, cpu: { thisProcess: number; postgres: number; dovecot: number }): RunFigures {
  const per1000 = (value: number) => round((value * 1000) / messages);
  return {
    seconds: round(seconds),
    messagesPerSecond: Math.round(messages / seconds),
    mbPerSecond: round(bytes / 1_048_576 / seconds),
    cpuSeconds: cpu,
    cpuSecondsPer1000Messages: { thisProcess: per1000(cpu.thisProcess), postgres: per1000(cpu.postgres), dovecot: per1000(cpu.dovecot) },
  };
}

/**
 * One corpus into a fresh mailbox, then: a raw imapflow FETCH of the whole
 * mailbox (sources and envelopes; run once before timing so Dovecot's index
 * and cache are warm) against syncFolder()'s first sync of it into
 * PostgreSQL, with the CPU seconds of this process (parse threads included),
 * PostgreSQL and Dovecot during each, and each stage of the sync run alone.
 */
async function ingestBench(
  setup: Setup,
  corpus: { name: string; raws: readonly (Buffer | string)[] },
  warmupAccountId: string,
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  const { db, dovecot } = setup;
  const mailbox = `ingest-${corpus.name}@example.test`;
  const count = corpus.raws.length;
  const accountId = await mailUser(setup, mailbox);
  await dovecot.deliverMany(mailbox, corpus.raws);
  const bytes = corpus.raws.reduce((sum, raw) => sum + Buffer.byteLength(raw), 0);

  const raw = await connectedClient(db, accountId);
  let rawSeconds = 0;
  let rawCpu: Awaited<ReturnType<typeof cpuDuring>>;
  try {
    await raw.mailboxOpen("INBOX");
    const warm = await rawFetch(raw);
    if (warm !== count) throw new Error(`raw fetch saw ${warm} messages, expected ${count}`);
    rawCpu = await cpuDuring(async () => {
      const started = performance.now();
      await rawFetch(raw);
      rawSeconds = seconds(started);
    });
  } finally {
    await raw.logout().catch(() => raw.close());
  }
  log(`${corpus.name}: raw fetch ${rawSeconds.toFixed(3)} s`);

  // Our code paths warmed up (JIT, Prisma's pool, mailparser) on a smaller mailbox of another account.
  const warmupClient = await connectedClient(db, warmupAccountId);
  try {
    const warmupAccount = await db.emailAccount.findUniqueOrThrow({ where: { id: warmupAccountId } });
    await syncFolder(db, warmupClient, warmupAccount, "INBOX", null);
  } finally {
    await warmupClient.logout().catch(() => warmupClient.close());
  }

  // The measured run: a fresh account's first sync of the folder.
  const account = await db.emailAccount.findUniqueOrThrow({ where: { id: accountId } });
  const client = await connectedClient(db, accountId);
  let ingestSeconds = 0;
  let ingestCpu: Awaited<ReturnType<typeof cpuDuring>>;
  try {
    ingestCpu = await cpuDuring(async () => {
      const started = performance.now();
      const { stored } = await syncFolder(db, client, account, "INBOX", null);
      ingestSeconds = seconds(started);
      if (stored !== count) throw new Error(`syncFolder stored ${stored} messages, expected ${count}`);
    });
  } finally {
    await client.logout().catch(() => client.close());
  }
  const rows = await db.inboundMessage.count({ where: { emailAccountId: accountId } });
  if (rows !== count) throw new Error(`inbound_messages holds ${rows} rows for the account, expected ${count}`);
  log(`${corpus.name}: ingest ${ingestSeconds.toFixed(3)} s; CPU seconds: raw fetch ${JSON.stringify(rawCpu)}, ingest ${JSON.stringify(ingestCpu)}`);

  const alone = await ingestSplit(setup, accountId, log);
  const floor = await storeFloor(db, corpus.raws);
  log(`${corpus.name}: the raw bytes alone into PostgreSQL ${floor.seconds} s`);
  return {
    messages: count,
    averageMessageBytes: Math.round(bytes / count),
    totalMb: round(bytes / 1_048_576),
    ingest: runFigures(count, bytes, ingestSeconds, ingestCpu),
    rawImapFetch: runFigures(count, bytes, rawSeconds, rawCpu),
    ratio: round(rawSeconds / ingestSeconds),
    // With fetch, parse (on parse threads) and store overlapping, the ingest is bound by the machine's cores: the
    // CPU seconds of all three processes against the wall time, and each stage run alone, show which.
    cores: os.availableParallelism(),
    stagesAlone: alone,
    // The least any store can do: the raw messages' bytes alone written to a table like inbound_messages.raw.
    rawBytesIntoPostgres: floor,
    rawBytesIntoPostgresRatioToRawFetch: round(rawSeconds / floor.seconds),
  };
}

/**
 * Writes the corpus's raw bytes, and nothing else, into a scratch table whose
 * column compresses as inbound_messages.raw does, in 32 MB slices sent as
 * binary parameters: the floor under the store stage.
 */
async function storeFloor(db: Db, raws: readonly (Buffer | string)[]): Promise<{ seconds: number; postgresCpuSeconds: number; compression: string }> {
  const client = await poolOf(db).connect();
  try {
    const [{ compression }] = (
      await client.query<{ compression: string }>(
        `SELECT CASE attcompression WHEN 'l' THEN 'lz4' ELSE 'pglz' END AS compression FROM pg_attribute WHERE attrelid = 'inbound_messages'::regclass AND attname = 'raw'`,
      )
    ).rows as [{ compression: string }];
    await client.query("DROP TABLE IF EXISTS bench_raw_floor");
    await client.query(`CREATE TABLE bench_raw_floor (raw bytea COMPRESSION ${compression})`);
    const slices: Buffer[][] = [[]];
    let bytes = 0;
    for (const raw of raws.map((value) => Buffer.from(value))) {
      if (bytes + raw.length > 32 * 1024 * 1024 && slices.at(-1)!.length > 0) {
        slices.push([]);
        bytes = 0;
      }
      slices.at(-1)!.push(raw);
      bytes += raw.length;
    }
    let seconds = 0;
    const cpu = await cpuDuring(async () => {
      const started = performance.now();
      for (const slice of slices) {
        const { bytes, offsets, lengths } = concatenated(slice);
        await client.query(
          `INSERT INTO bench_raw_floor (raw) SELECT substring($1::bytea FROM o FOR l) FROM unnest($2::int4[], $3::int4[]) AS r(o, l)`,
          [bytes, offsets, lengths],
        );
      }
      seconds = performance.now() - started;
    });
    await client.query("DROP TABLE bench_raw_floor");
    return { seconds: round(seconds / 1000), postgresCpuSeconds: cpu.postgres, compression };
  } finally {
    client.release();
  }
}

async function ingestSplit(setup: Setup, accountId: string, log: (line: string) => void): Promise<Record<string, number>> {
  const { db } = setup;
  const account = await db.emailAccount.findUniqueOrThrow({ where: { id: accountId } });
  const maxBytes = env().MAIL_MAX_MESSAGE_BYTES;
  const client = await connectedClient(db, accountId);
  const fetched: FetchedBatch[] = [];
  let fetchSeconds: number;
  try {
    const lock = await client.getMailboxLock("INBOX");
    try {
      const started = performance.now();
      // As on a folder's first sync: no last UID stored.
      const uids = await pendingUids(client, { ...account, initialSyncNewest: null, initialSyncSince: null }, null);
      for await (const batch of fetchBatches(client, { emailAccountId: accountId, folder: "INBOX", uids, maxBytes })) fetched.push(batch);
      fetchSeconds = seconds(started);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }

  const parsed: SyncedMessage[][] = [];
  const parseStarted = performance.now();
  for (const batch of fetched) parsed.push(syncedMessages(batch, await parseMessages(batch.jobs, { maxBytes })));
  const parseSeconds = seconds(parseStarted);

  const replica = await db.emailAccount.create({
    data: {
      ownerId: account.ownerId,
      emailAddress: account.emailAddress,
      authMethod: "oauth",
      connectedAppId: account.connectedAppId,
      connectedUserId: account.connectedUserId,
      imapHost: account.imapHost,
      imapPort: account.imapPort,
      imapSecurity: account.imapSecurity,
      imapLogin: account.imapLogin,
      smtpHost: account.smtpHost,
      smtpPort: account.smtpPort,
      smtpSecurity: account.smtpSecurity,
      smtpLogin: account.smtpLogin,
      enableIncoming: false,
      enableOutgoing: false,
    },
  });
  const state = await db.mailboxState.findUniqueOrThrow({ where: { emailAccountId_folder: { emailAccountId: accountId, folder: "INBOX" } } });
  const storeStarted = performance.now();
  for (const [index, messages] of parsed.entries()) {
    await storeSyncedMessages(db, {
      emailAccountId: replica.id,
      folder: "INBOX",
      uidValidity: state.uidValidity!,
      lease: null,
      messages,
      lastSeenUid: BigInt(fetched[index]!.highestUid),
    });
  }
  const storeSeconds = seconds(storeStarted);
  log(`split: fetch ${fetchSeconds.toFixed(3)} s, parse ${parseSeconds.toFixed(3)} s, store ${storeSeconds.toFixed(3)} s`);
  return {
    fetchSeconds: round(fetchSeconds),
    parseSeconds: round(parseSeconds),
    storeSeconds: round(storeSeconds),
    sumSeconds: round(fetchSeconds + parseSeconds + storeSeconds),
  };
}

// --- 2. IDLE latency ---------------------------------------------------------------

/**
 * Each sample delivers one message to the measured mailbox and, at the same
 * moment, one to a second mailbox watched by a bare imapflow client in IDLE
 * (the baseline: the server's own notification delay, timed to its untagged
 * EXISTS). Two mailboxes, not one: a Dovecot session wakes up when another
 * session of the same mailbox changes its index, which would shorten the
 * baseline's wait. Both include Dovecot's fixed 500 ms notification delay.
 */
async function idleBench(
  setup: Setup,
  measured: { accountId: string; mailbox: string },
  baseline: { accountId: string; mailbox: string },
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  const { db, dovecot } = setup;
  const timedDeliver = async (mailbox: string, raw: string) => {
    const delivered = performance.now();
    await dovecot.deliver(mailbox, raw);
    return delivered;
  };
  const stored = async (messageId: string) =>
    (await db.inboundMessage.findFirst({ where: { emailAccountId: measured.accountId, messageId }, select: { id: true } })) !== null;

  await dovecot.deliver(baseline.mailbox, smallMessage("idle-baseline", 0));
  const raw = await connectedClient(db, baseline.accountId);
  await raw.mailboxOpen("INBOX");
  const announced = new Map<number, number>();
  raw.on("exists", (event: { count: number }) => announced.set(event.count, performance.now()));
  const firstCount = raw.mailbox ? raw.mailbox.exists : 0;
  const rawIdle = raw.idle().catch(() => {});

  const sessionStarted = new Date();
  const session = new AccountSession(db, measured.accountId, null);
  const samples: number[] = [];
  const rawSamples: number[] = [];
  try {
    await waitUntil(
      async () => {
        const row = await db.emailAccount.findUniqueOrThrow({ where: { id: measured.accountId }, select: { lastSyncAt: true, lastError: true } });
        if (row.lastError) throw new Error(`the IDLE account's session failed: ${row.lastError}`);
        return row.lastSyncAt !== null && row.lastSyncAt >= sessionStarted;
      },
      30_000,
      "the IDLE session's first sync",
    );
    // One unmeasured round first: the session has surely entered IDLE once it has stored that message.
    for (let index = -1; index < IDLE_SAMPLES; index++) {
      await sleep(IDLE_SPACING_MS);
      const message = smallMessage("idle-latency", index + 1000);
      const messageId = messageIdOf(message);
      const [delivered, rawDelivered] = await Promise.all([
        timedDeliver(measured.mailbox, message),
        timedDeliver(baseline.mailbox, smallMessage("idle-baseline", index + 1000)),
      ]);
      const expectedCount = firstCount + index + 2;
      await Promise.all([
        waitUntil(() => stored(messageId), 30_000, `message ${index + 1} to be stored`, IDLE_POLL_MS).then(() => {
          if (index >= 0) samples.push(seconds(delivered));
        }),
        waitUntil(async () => announced.has(expectedCount), 30_000, `EXISTS ${expectedCount} on the baseline IDLE client`, 5),
      ]);
      if (index >= 0) rawSamples.push((announced.get(expectedCount)! - rawDelivered) / 1000);
    }
  } finally {
    await session.stop();
    await raw.logout().catch(() => raw.close());
    await rawIdle;
  }
  samples.sort((a, b) => a - b);
  rawSamples.sort((a, b) => a - b);
  log(`idle: p50 ${percentile(samples, 50).toFixed(3)} s, p95 ${percentile(samples, 95).toFixed(3)} s; bare EXISTS p50 ${percentile(rawSamples, 50).toFixed(3)} s`);
  return {
    messages: IDLE_SAMPLES,
    dbPollIntervalMs: IDLE_POLL_MS,
    p50Seconds: round(percentile(samples, 50)),
    p95Seconds: round(percentile(samples, 95)),
    minSeconds: round(samples[0]!),
    maxSeconds: round(samples[samples.length - 1]!),
    baselineBareIdleExistsP50Seconds: round(percentile(rawSamples, 50)),
    baselineBareIdleExistsP95Seconds: round(percentile(rawSamples, 95)),
  };
}

// --- 3. memory of idle accounts ----------------------------------------------------

async function memoryBench(
  setup: Setup,
  variables: Record<string, string>,
  baseline: { rssMb: number; peakRssMb: number },
  log: (line: string) => void,
): Promise<Record<string, unknown>> {
  const { db, dovecot } = setup;
  // Only the idle accounts are served: the accounts of the other figures stop reading.
  await db.emailAccount.updateMany({ data: { enableIncoming: false } });
  const setupStarted = performance.now();
  const emails = Array.from({ length: IDLE_ACCOUNTS }, (_, index) => `idle-${index}@example.test`);
  const ids = await eachLimited(emails, SETUP_CONCURRENCY, async (email, index) => {
    const id = await mailUser(setup, email);
    await dovecot.deliver(email, smallMessage(`idle-${index}`, 0));
    return id;
  });
  const setupSeconds = seconds(setupStarted);
  log(`memory: ${ids.length} accounts set up in ${setupSeconds.toFixed(1)} s`);

  const worker = await startWorkerProcess(variables);
  try {
    const started = performance.now();
    const workerCpuAtStart = await processCpuSeconds(worker.child.pid!);
    const benchCpuAtStart = process.cpuUsage();
    await waitUntil(
      async () => {
        const synced = await db.emailAccount.count({ where: { id: { in: ids }, lastSyncAt: { not: null } } });
        const died = worker.death();
        if (died) throw new Error(`the worker process ${died}`);
        return synced === ids.length;
      },
      120_000,
      `all ${ids.length} accounts to be synced`,
      250,
    );
    const allSyncedSeconds = seconds(started);
    const workerCpu = (await processCpuSeconds(worker.child.pid!)) - workerCpuAtStart;
    const benchCpu = process.cpuUsage(benchCpuAtStart);
    log(`memory: all ${ids.length} accounts synced after ${allSyncedSeconds.toFixed(1)} s`);
    const memory = await settledMemory(worker.child.pid!);
    const sessions = await dovecotSessions(dovecot);
    const dovecotLog = (await dovecot.log()).split("\n");
    // Past the kernel's fs.inotify.max_user_instances (128 per user, shared by every Dovecot of the
    // machine), Dovecot watches the mailboxes of further IDLE sessions by polling instead.
    const withoutInotify = dovecotLog.filter((line) => line.includes("Inotify instance limit")).length;
    // Any other limit Dovecot ran into (process_limit, client_limit, open files) would make the figure meaningless: show it.
    const limitWarnings = dovecotLog.filter(
      (line) => /limit/i.test(line) && /warning|error|fatal/i.test(line) && !line.includes("Inotify instance limit"),
    );
    const stored = await db.inboundMessage.count({ where: { emailAccountId: { in: ids } } });
    log(`memory: ${memory.rssMb} MB with ${sessions} Dovecot sessions`);
    return {
      idleAccounts: ids.length,
      workerRssMb: memory.rssMb,
      baselineEmptyWorkerRssMb: baseline.rssMb,
      rssPerAccountKb: Math.round(((memory.rssMb - baseline.rssMb) * 1024) / ids.length),
      workerPeakRssMb: memory.peakRssMb,
      baselineEmptyWorkerPeakRssMb: baseline.peakRssMb,
      dovecotImapSessions: sessions,
      dovecotSessionsWithoutInotify: withoutInotify,
      dovecotLimitWarnings: limitWarnings.slice(0, 5),
      messagesStored: stored,
      secondsToSyncAllAccounts: round(allSyncedSeconds),
      // CPU used meanwhile by the worker, and by this process (the test provider answering Dovecot's introspection, our polling).
      workerCpuSecondsToSyncAll: round(workerCpu),
      benchProcessCpuSecondsMeanwhile: round((benchCpu.user + benchCpu.system) / 1e6),
      setupSeconds: round(setupSeconds),
    };
  } finally {
    await worker.stop();
  }
}

// --- the bench ---------------------------------------------------------------------

export async function mailIngestBench(
  adminUrl: string,
  log: (line: string) => void = () => {},
  options: { ingestOnly?: boolean } = {},
): Promise<Record<string, unknown>> {
  const benchStarted = performance.now();
  const database = await createBenchDatabase(adminUrl, "bench_mail");
  // The tests' own set-up: the test OpenID provider, keys, and users connected through the real flow.
  const fixture = await createOAuthFixture({ databaseUrl: database.url });
  const variables = {
    DATABASE_URL: database.url,
    ENCRYPTION_KEYS: fixture.encryptionKeys,
    INSECURE_OAUTH_HOSTS: "127.0.0.1",
    APP_URL,
    LOG_LEVEL: "silent",
  };
  setRuntimeEnv(variables);
  // The logger was made when it was first imported, before LOG_LEVEL was set here: stdout belongs to the caller's JSON.
  const loggerLevel = logger.level;
  logger.level = "silent";
  const { db, provider } = fixture;
  try {

    // The empty worker first, while the database has no account at all.
    let baseline: { rssMb: number; peakRssMb: number } = { rssMb: 0, peakRssMb: 0 };
    if (!options.ingestOnly) {
      const emptyWorker = await startWorkerProcess(variables);
      try {
        baseline = await settledMemory(emptyWorker.child.pid!);
      } finally {
        await emptyWorker.stop();
      }
      log(`empty worker: ${baseline.rssMb} MB`);
    }

    const dovecot = await startDovecot({
      introspectionUrl: provider.resourceServer.introspectionEndpoint,
      clientId: provider.resourceServer.clientId,
      clientSecret: provider.resourceServer.clientSecret,
    });
    const app = await fixture.createApp({ providerName: "Bench IdP" });
    const setup: Setup = { db, fixture, dovecot, appId: app.id };

    const idleMailbox = "idle-latency@example.test";
    const idleAccountId = await mailUser(setup, idleMailbox);
    await dovecot.deliverMany(idleMailbox, Array.from({ length: WARMUP_MESSAGES }, (_, index) => smallMessage("warmup", index)));

    const baselineMailbox = "idle-baseline@example.test";
    const baselineAccountId = await mailUser(setup, baselineMailbox);

    const ingest = await ingestBench(
      setup,
      { name: "small", raws: Array.from({ length: INGEST_MESSAGES }, (_, index) => smallMessage("ingest", index)) },
      idleAccountId,
      log,
    );
    const corpus = await realisticCorpus(REALISTIC_MESSAGES);
    log(`realistic corpus: ${JSON.stringify(corpus.stats)}`);
    const realistic = { corpus: corpus.stats, ...(await ingestBench(setup, { name: "realistic", raws: corpus.raws }, idleAccountId, log)) };
    if (options.ingestOnly) return { ingest, realisticIngest: realistic, benchSeconds: round(seconds(benchStarted)) };
    const idle = await idleBench(
      setup,
      { accountId: idleAccountId, mailbox: idleMailbox },
      { accountId: baselineAccountId, mailbox: baselineMailbox },
      log,
    );
    // The worker may die under the load of 500 sessions starting at once: keep the other figures and say why.
    const memory = await memoryBench(setup, variables, baseline, log).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      log(`memory: failed: ${reason}`);
      return { idleAccounts: IDLE_ACCOUNTS, baselineEmptyWorkerRssMb: baseline.rssMb, failed: reason.slice(0, 2000) };
    });
    return { ingest, realisticIngest: realistic, idle, memory, benchSeconds: round(seconds(benchStarted)) };
  } finally {
    await runCleanups();
    logger.level = loggerLevel;
    await database.drop();
  }
}
