import { randomUUID } from "node:crypto";
import os from "node:os";
import pg from "pg";
import type { Db } from "#lib/db";
import { Prisma } from "#lib/generated/prisma/client";
import { logger } from "#lib/logger";
import { AccountSession } from "./account-session";
import { followConnectionStatus } from "./follow-connection-status";
import { followOwnerStatus } from "./follow-owner-status";
import { ConnectGate } from "./connect-gate";
import { MAIL_ACCOUNT_CHANGED_CHANNEL, MAIL_SYNC_CHANNEL } from "./notify-workers";
import { liveWorker, THIS_CONNECTION } from "./worker-liveness";

export const HEARTBEAT_MS = 10_000;
export const LEASE_LAPSE_SECONDS = 30;
/** How often a worker looks for peers that died, peers that joined and accounts nobody holds. */
export const BALANCE_MS = 2_000;
/** IMAP sessions connecting at once, and started per second, in one worker (ConnectGate). */
export const CONNECT_CONCURRENCY = 16;
export const CONNECTS_PER_SECOND = 100;

export interface MailWorkerOptions {
  /** Seconds without a heartbeat after which a claim may be taken even from a worker whose connection is open. */
  leaseLapseSeconds?: number;
  connectConcurrency?: number;
  connectsPerSecond?: number;
}

interface Held {
  session: AccountSession;
  epoch: bigint;
  /** The account's settings when its session started (SETTINGS_FINGERPRINT). */
  settings: string;
}

/**
 * What a session was started with, in one string: after the notification
 * connection was down (a "settings changed" may have been missed), a held
 * account whose fingerprint moved is released and claimed again with its new
 * settings. Not updated_at: the session's own writes move that.
 */
const SETTINGS_FINGERPRINT = Prisma.sql`md5(concat_ws('|', a.auth_method, a.password_sealed, a.connected_app_id, a.connected_user_id, a.service_principal,
  a.imap_host, a.imap_port, a.imap_security, a.imap_login, a.folders::text, a.use_idle, a.poll_interval_seconds,
  a.initial_sync_since, a.initial_sync_newest, a.enable_incoming))`;

/** The notification connection's reconnect waits: doubling from 1 s to 30 s, each spread by ±50 % so workers do not return in step. */
function listenerBackoffMs(attempt: number): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
  return Math.round(base * (0.5 + Math.random()));
}

/**
 * The mail worker: owns accounts' IMAP sessions through leases in
 * PostgreSQL (ADR 0006, ADR 0015). Its own PostgreSQL connection (the one
 * that LISTENs) is its sign of life: PostgreSQL ends it the moment the
 * process dies, and every 2 s each worker takes over the accounts of workers
 * whose connection is gone. A worker that is alive but stuck (no heartbeat
 * for 30 s) loses its claims as well. Each worker takes at most its fair
 * share (accounts ÷ live workers, rounded up) and hands back any surplus, so
 * workers balance. Every claim has a new epoch that storing checks (fencing).
 * Sessions connect through a queue of bounded concurrency and rate.
 */
export class MailWorker {
  readonly id = randomUUID();
  private readonly held = new Map<string, Held>();
  private readonly leaseLapseSeconds: number;
  /** Most sessions waiting in the connect queue before this worker claims more (two balance rounds at the gate's pace). */
  private readonly claimAhead: number;
  /** Where this worker's sessions queue to connect. */
  private readonly gate: ConnectGate;
  private timer: NodeJS.Timeout | null = null;
  private listener: pg.Client | null = null;
  private stopping = false;
  private round: Promise<void> | null = null;
  private lastHeartbeat = 0;

  constructor(
    private readonly db: Db,
    private readonly databaseUrl: string,
    options: MailWorkerOptions = {},
  ) {
    this.leaseLapseSeconds = options.leaseLapseSeconds ?? LEASE_LAPSE_SECONDS;
    this.gate = new ConnectGate(options.connectConcurrency ?? CONNECT_CONCURRENCY, options.connectsPerSecond ?? CONNECTS_PER_SECOND);
    this.claimAhead = Math.ceil((2 * this.gate.perSecond * BALANCE_MS) / 1000);
  }

  get accountIds(): string[] {
    return [...this.held.keys()];
  }

  async start(): Promise<void> {
    await this.listen();
    await this.heartbeat();
    await this.balance();
    this.timer = setInterval(() => this.nextRound(), BALANCE_MS);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.round;
    await Promise.all([...this.held.values()].map((held) => held.session.stop()));
    // Hand the accounts back at once instead of letting the claims lapse.
    await this.db.$executeRaw`DELETE FROM mail_account_leases WHERE worker_id = ${this.id}::uuid`.catch(() => {});
    await this.db.$executeRaw`DELETE FROM mail_workers WHERE id = ${this.id}::uuid`.catch(() => {});
    this.held.clear();
    await this.listener?.end().catch(() => {});
  }

  /** One round every BALANCE_MS: a heartbeat when one is due, then balancing. A round still running is not doubled. */
  private nextRound(): void {
    if (this.round || this.stopping) return;
    this.round = (async () => {
      if (Date.now() - this.lastHeartbeat >= HEARTBEAT_MS) await this.heartbeat();
      await this.balance();
    })()
      .catch((error: unknown) => logger.warn({ err: String(error) }, "mail worker round failed"))
      .finally(() => {
        this.round = null;
      });
  }

  /**
   * LISTEN for "sync now" and "settings changed", so the owner of the account
   * reacts at once. A lost connection is made again until that works (with
   * backoff), however long PostgreSQL is away; once it is back, what may have
   * been missed meanwhile is caught up: every held session syncs, and a held
   * account whose settings changed is claimed again.
   */
  private async listen(): Promise<void> {
    // TCP keepalives both ways: PostgreSQL ends the connection of a worker whose machine vanished (about 11 s of
    // silence), and this worker notices a vanished PostgreSQL. Ignored over a Unix socket, where death is seen at once.
    const client = new pg.Client({ connectionString: this.databaseUrl, keepAlive: true, keepAliveInitialDelayMillis: 5_000 });
    client.on("error", (error) => {
      if (this.listener !== client) return;
      logger.warn({ err: error.message }, "mail worker notification connection lost; reconnecting");
      this.listener = null;
      void client.end().catch(() => {});
      void this.relisten();
    });
    client.on("notification", (message) => {
      const held = message.payload ? this.held.get(message.payload) : undefined;
      if (!held) return;
      if (message.channel === MAIL_SYNC_CHANNEL) held.session.syncNow();
      else void this.release(message.payload!, "settings changed").catch((error: unknown) => logger.warn({ err: String(error) }, "release failed"));
    });
    try {
      await client.connect();
      await client.query("SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3");
      await client.query(`LISTEN ${MAIL_SYNC_CHANNEL}`);
      await client.query(`LISTEN ${MAIL_ACCOUNT_CHANGED_CHANNEL}`);
      // This very connection is the worker's sign of life (ADR 0015): its backend, named in the worker's row.
      await client.query(
        `INSERT INTO mail_workers (id, hostname, pid, backend_pid, backend_started_at)
         VALUES ($1::uuid, $2, $3, ${THIS_CONNECTION.pid}, ${THIS_CONNECTION.startedAt})
         ON CONFLICT (id) DO UPDATE SET backend_pid = EXCLUDED.backend_pid, backend_started_at = EXCLUDED.backend_started_at, heartbeat_at = now()`,
        [this.id, os.hostname(), process.pid],
      );
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    // Stopped while connecting: this connection is not wanted any more, nor the row it may have written after stop() removed it.
    if (this.stopping) {
      await client.query("DELETE FROM mail_workers WHERE id = $1::uuid", [this.id]).catch(() => {});
      await client.end().catch(() => {});
      return;
    }
    this.listener = client;
  }

  private async relisten(): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, listenerBackoffMs(attempt)));
      if (this.stopping) return;
      try {
        await this.listen();
      } catch (error) {
        logger.warn({ err: String(error), attempt: attempt + 1 }, "mail worker notification connection still down");
        continue;
      }
      logger.info({ attempts: attempt + 1 }, "mail worker notification connection back");
      await this.catchUp().catch((error: unknown) => logger.warn({ err: String(error) }, "catching up after the notification connection failed"));
      return;
    }
  }

  /** After the notification connection was down: the signals it may have missed, done anyway. */
  private async catchUp(): Promise<void> {
    const held = [...this.held.keys()];
    if (held.length === 0) return;
    const rows = await this.db.$queryRaw<{ id: string; settings: string }[]>`
      SELECT a.id::text, ${SETTINGS_FINGERPRINT} AS settings FROM email_accounts a WHERE a.id = ANY(${held}::uuid[])`;
    const now = new Map(rows.map((row) => [row.id, row.settings]));
    for (const [id, entry] of [...this.held.entries()]) {
      if (now.get(id) !== entry.settings) await this.release(id, "settings changed while notifications were down");
      else entry.session.syncNow();
    }
  }

  /** Renews this worker's row and claims, drops what others took, and follows status changes. */
  private async heartbeat(): Promise<void> {
    if (this.stopping) return;
    this.lastHeartbeat = Date.now();
    await this.db.$executeRaw`UPDATE mail_workers SET heartbeat_at = now() WHERE id = ${this.id}::uuid`;
    const renewed = await this.db.$queryRaw<{ email_account_id: string }[]>`
      UPDATE mail_account_leases SET heartbeat_at = now() WHERE worker_id = ${this.id}::uuid RETURNING email_account_id::text`;
    const stillOurs = new Set(renewed.map((row) => row.email_account_id));
    for (const accountId of this.held.keys()) {
      if (!stillOurs.has(accountId)) await this.drop(accountId, "lease taken over");
    }
    // Pause or resume accounts whose people or OAuth connection changed status (cheap, idempotent: any worker may run it).
    await followOwnerStatus(this.db);
    await followConnectionStatus(this.db);
    // Sessions of accounts that are paused or switched off now end here, not at their next error.
    const held = [...this.held.keys()];
    if (held.length > 0) {
      const stopped = await this.db.$queryRaw<{ id: string }[]>`
        SELECT id::text FROM email_accounts
         WHERE id = ANY(${held}::uuid[]) AND (NOT enable_incoming OR incoming_status = 'paused')`;
      for (const { id } of stopped) await this.release(id, "incoming disabled or paused");
    }
  }

  private async balance(): Promise<void> {
    // Without its liveness connection this worker counts as dead to the others: any claim it made would be taken at once.
    if (this.stopping || !this.listener) return;
    const [counts] = await this.db.$queryRaw<{ workers: bigint; accounts: bigint }[]>`
      SELECT (SELECT count(*) FROM mail_workers w WHERE ${liveWorker("w", this.leaseLapseSeconds)}) AS workers,
             (SELECT count(*) FROM email_accounts WHERE enable_incoming AND incoming_status <> 'paused') AS accounts`;
    const share = Math.ceil(Number(counts!.accounts) / Math.max(1, Number(counts!.workers)));
    if (this.held.size > share) {
      for (const accountId of [...this.held.keys()].slice(share)) await this.release(accountId, "rebalancing");
      return;
    }
    // Claims run ahead of the connect queue by at most two rounds of its pace: 500 accounts take a few rounds, the
    // sessions queue in the gate, not in the database, and two workers starting together do not first take everything
    // and then hand half of it back.
    const room = this.claimAhead - this.gate.queued;
    if (this.held.size < share && room > 0) await this.claim(Math.min(share - this.held.size, room));
  }

  /**
   * Claims up to `count` accounts nobody holds, or whose holder is dead (its
   * connection gone) or stuck (no heartbeat for the lapse), in one statement.
   * The same condition is checked again on the lease row itself, so a claim
   * never overwrites a lease another worker renewed meanwhile.
   */
  private async claim(count: number): Promise<void> {
    const lapse = this.leaseLapseSeconds;
    const claimed = await this.db.$queryRaw<{ id: string; epoch: bigint; settings: string }[]>`
      WITH live AS (
        SELECT w.id FROM mail_workers w WHERE ${liveWorker("w", lapse)}
      ), candidates AS (
        SELECT a.id, ${SETTINGS_FINGERPRINT} AS settings
          FROM email_accounts a
          LEFT JOIN mail_account_leases l ON l.email_account_id = a.id
         WHERE a.enable_incoming AND a.incoming_status <> 'paused'
           AND (l.email_account_id IS NULL OR l.heartbeat_at < now() - make_interval(secs => ${lapse}) OR l.worker_id NOT IN (SELECT id FROM live))
         ORDER BY a.last_sync_at NULLS FIRST
         LIMIT ${count}
         FOR UPDATE OF a SKIP LOCKED
      ), won AS (
        INSERT INTO mail_account_leases AS l (email_account_id, worker_id, epoch, heartbeat_at)
        SELECT id, ${this.id}::uuid, 1, now() FROM candidates
        ON CONFLICT (email_account_id) DO UPDATE
           SET worker_id = EXCLUDED.worker_id, epoch = l.epoch + 1, heartbeat_at = now()
         WHERE l.heartbeat_at < now() - make_interval(secs => ${lapse}) OR l.worker_id NOT IN (SELECT id FROM live)
        RETURNING l.email_account_id, l.epoch
      )
      SELECT won.email_account_id::text AS id, won.epoch, candidates.settings
        FROM won JOIN candidates ON candidates.id = won.email_account_id`;
    for (const { id, epoch, settings } of claimed) {
      logger.info({ emailAccountId: id, epoch: String(epoch) }, "claimed mail account");
      const session: AccountSession = new AccountSession(
        this.db,
        id,
        { workerId: this.id, epoch: BigInt(epoch) },
        {
          gate: this.gate,
          onEnd: (reason) => {
            if (this.held.get(id)?.session === session) {
              void this.release(id, reason).catch((error: unknown) => logger.warn({ err: String(error) }, "release failed"));
            }
          },
        },
      );
      this.held.set(id, { session, epoch: BigInt(epoch), settings });
    }
  }

  /** Stops the session and gives the claim back so another worker (or this one, later) takes it. */
  private async release(accountId: string, reason: string): Promise<void> {
    await this.drop(accountId, reason);
    await this.db.$executeRaw`
      DELETE FROM mail_account_leases WHERE email_account_id = ${accountId}::uuid AND worker_id = ${this.id}::uuid`;
  }

  private async drop(accountId: string, reason: string): Promise<void> {
    const held = this.held.get(accountId);
    if (!held) return;
    this.held.delete(accountId);
    logger.info({ emailAccountId: accountId, reason }, "dropped mail account");
    await held.session.stop();
  }
}
