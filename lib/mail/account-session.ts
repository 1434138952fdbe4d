import type { ImapFlow } from "imapflow";
import type { Db } from "#lib/db";
import { logger } from "#lib/logger";
import type { EmailAccount } from "#lib/generated/prisma/client";
import { createImapClient } from "./connect-imap";
import type { ConnectGate } from "./connect-gate";
import { explainMailError, type MailFailure } from "./explain-mail-error";
import { mailCredentials } from "./mail-credentials";
import { pauseSide, recordAuthFailure, recordSideSuccess } from "./side-status";
import { CONNECTION_PAUSE_PREFIX, followConnectionStatus } from "./follow-connection-status";
import { LeaseLostError, syncFolder, type SyncLease } from "./sync-folder";

const BACKOFF_START_MS = 2_000;
const BACKOFF_FACTOR = 1.5;
const BACKOFF_CAP_MS = 30_000;
/** A connection that lasted this long was healthy: the next drop starts the backoff over. */
const STABLE_CONNECTION_MS = 60_000;
/** A first sync still running this long after login gives its connect slot to the next session in the queue. */
const SLOT_AFTER_LOGIN_MS = 5_000;

/**
 * Each wait is stretched by up to half again at random, so sessions that an
 * IMAP server dropped together (a restart) do not all come back in the same
 * instant. Never shorter: a server that keeps dropping one session still sees
 * at most one login per backoff step.
 */
function jittered(ms: number): number {
  return Math.round(ms * (1 + Math.random() / 2));
}

export interface AccountSessionOptions {
  /** The worker's connect queue (bounded concurrency and rate); none: connect at once. */
  gate?: ConnectGate;
  /** Told when the session ends by itself (not by stop()), with the reason. */
  onEnd?: (reason: string) => void;
}

/**
 * One account's long-lived IMAP session, owned by one worker under a lease:
 * sync every folder, then IDLE on INBOX (new mail within seconds) while the
 * other folders are polled; reconnect with backoff (2 s × 1.5, at most 30 s,
 * each stretched by up to half at random) when the server drops. Every
 * connect waits its turn in the worker's connect queue. An authentication failure forces one token refresh
 * and a retry before it counts; five in a row pause reading; a connection
 * that needs the user pauses both sides.
 */
export class AccountSession {
  private stopped = false;
  private client: ImapFlow | null = null;
  private wake: (() => void) | null = null;
  /**
   * New mail in INBOX announced at any moment of a round (an EXISTS that came with another command's answer), and
   * INBOX's message count when the round synced it: either says the round missed something before it IDLEs.
   */
  private inboxChanged = false;
  private inboxCount: number | null = null;
  private readonly stopping = new AbortController();
  /** Gives the connect slot back (no-op when none is held). */
  private releaseSlot: () => void = () => {};
  private readonly onEnd: (reason: string) => void;
  readonly done: Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly accountId: string,
    private readonly lease: SyncLease | null,
    private readonly options: AccountSessionOptions = {},
  ) {
    this.onEnd = options.onEnd ?? (() => {});
    // Nothing may escape as an unhandled rejection: it would take the whole worker down.
    this.done = this.run().catch((error: unknown) => {
      logger.error({ emailAccountId: accountId, err: error instanceof Error ? error.message : String(error) }, "IMAP session ended by an unexpected error");
      this.onEnd("unexpected error");
    });
  }

  /** Asks for a sync now (e.g. "Sync now" in the UI) instead of at the next poll. */
  syncNow(): void {
    this.wake?.();
    // Any command ends IDLE, and the loop then syncs.
    if (this.client?.idling) void this.client.noop().catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.wake?.();
    await this.client?.logout().catch(() => this.client?.close());
    await this.done;
  }

  private async run(): Promise<void> {
    let backoff = BACKOFF_START_MS;
    let rejectedToken: string | undefined;
    let endReason = "stopped";
    while (!this.stopped) {
      let usedToken: string | undefined;
      let connectedAt: number | null = null;
      let slotTimer: NodeJS.Timeout | undefined;
      this.releaseSlot = (await this.options.gate?.acquire(this.stopping.signal)) ?? (() => {});
      if (this.stopped) {
        this.releaseSlot();
        break;
      }
      try {
        // Inside the try: a database that is busy or restarting is one more transient failure.
        const account = await this.db.emailAccount.findUnique({ where: { id: this.accountId } });
        if (!account || !account.enableIncoming || account.incomingStatus === "paused") {
          endReason = !account ? "account deleted" : "incoming disabled or paused";
          break;
        }
        const auth = await mailCredentials(this.db, account, account.imapLogin, { rejectedAccessToken: rejectedToken });
        usedToken = "accessToken" in auth ? auth.accessToken : undefined;
        const client = await createImapClient({ host: account.imapHost, port: account.imapPort, security: account.imapSecurity }, auth);
        this.client = client;
        // imapflow emits 'error' on socket trouble; without a listener the process would crash.
        client.on("error", (error: unknown) => logger.debug({ emailAccountId: this.accountId, err: String(error) }, "imap error event"));
        client.on("exists", (event: { path: string }) => {
          if (event.path === "INBOX") this.inboxChanged = true;
        });
        await client.connect();
        connectedAt = Date.now();
        slotTimer = setTimeout(this.releaseSlot, SLOT_AFTER_LOGIN_MS);
        rejectedToken = undefined;
        // Logged in: failures start again at zero. An account already active with none skips the write: 500
        // sessions coming back after a restart spare 500 UPDATEs (the round's own update marks it synced).
        if (account.incomingStatus !== "active" || account.incomingFailures > 0) {
          await recordSideSuccess(this.db, this.accountId, "incoming", "syncing");
        }
        await this.syncLoop(client, account);
        if (this.stopped) break;
        // The server closed the connection (BYE, a restart, the network): reconnect after the backoff, as after
        // a failure, so a server that keeps dropping sessions is not met with a storm of logins.
        logger.info({ emailAccountId: this.accountId }, "IMAP connection closed by the server; reconnecting");
        if (Date.now() - connectedAt >= STABLE_CONNECTION_MS) backoff = BACKOFF_START_MS;
        await this.backOff(backoff);
        backoff = Math.min(backoff * BACKOFF_FACTOR, BACKOFF_CAP_MS);
      } catch (error) {
        if (error instanceof LeaseLostError) {
          endReason = "lease lost";
          break;
        }
        if (this.stopped) break;
        const failure = explainMailError(error, "imap");
        logger.warn({ emailAccountId: this.accountId, kind: failure.kind, error: failure.error }, "IMAP session failed");
        if (failure.kind === "auth" && usedToken && rejectedToken === undefined) {
          // One forced refresh and an immediate retry before it counts as a failure.
          rejectedToken = usedToken;
          continue;
        }
        rejectedToken = undefined;
        const verdict = await this.recordFailure(failure).catch((recordError: unknown) => {
          logger.warn({ emailAccountId: this.accountId, err: recordError }, "could not record the IMAP failure; retrying");
          return "retry" as const;
        });
        if (verdict !== "retry") {
          endReason = verdict;
          break;
        }
        if (connectedAt !== null && Date.now() - connectedAt >= STABLE_CONNECTION_MS) backoff = BACKOFF_START_MS;
        await this.backOff(backoff);
        backoff = Math.min(backoff * BACKOFF_FACTOR, BACKOFF_CAP_MS);
      } finally {
        clearTimeout(slotTimer);
        this.releaseSlot();
        await this.client?.logout().catch(() => this.client?.close());
        this.client = null;
      }
    }
    this.onEnd(endReason);
  }

  /** Records a failure; says whether to retry or why the session ends. */
  private async recordFailure(failure: MailFailure): Promise<"retry" | "needs reauthorisation" | "paused after repeated failures"> {
    if (failure.kind === "reauth") {
      // The connection itself needs the user: both sides stop until a reconnect.
      await followConnectionStatus(this.db);
      // No connection row to follow (never connected, or its user is gone): the side pauses with the reason, or the next
      // claim would try again. The prefix lets the first connect resume it, as a reconnect resumes a broken connection.
      const account = await this.db.emailAccount.findUnique({ where: { id: this.accountId }, select: { incomingStatus: true } });
      if (account && account.incomingStatus !== "paused") await pauseSide(this.db, this.accountId, "incoming", `${CONNECTION_PAUSE_PREFIX}${failure.error}`);
      return "needs reauthorisation";
    }
    if (failure.kind === "auth" || failure.kind === "config") {
      const paused = await recordAuthFailure(this.db, this.accountId, "incoming", `${failure.error}${failure.hint ? ` ${failure.hint}` : ""}`);
      return paused ? "paused after repeated failures" : "retry";
    }
    await this.db.emailAccount.update({ where: { id: this.accountId }, data: { lastError: failure.error } });
    return "retry";
  }

  private async syncLoop(client: ImapFlow, account: EmailAccount): Promise<void> {
    const others = account.folders.filter((folder) => folder !== "INBOX");
    let lastPoll = 0;
    while (!this.stopped && client.usable) {
      const pollDue = Date.now() - lastPoll >= account.pollIntervalSeconds * 1000;
      const folders = pollDue || !account.useIdle ? account.folders : account.folders.filter((folder) => folder === "INBOX");
      this.inboxChanged = false;
      for (const folder of folders) {
        await syncFolder(this.db, client, account, folder, this.lease);
        if (folder === "INBOX") this.inboxCount = client.mailbox ? client.mailbox.exists : null;
      }
      if (pollDue) lastPoll = Date.now();
      // Synced: the side is active again, unless a pause was set meanwhile (a heartbeat's reconcile), which stands.
      await this.db.$executeRaw`
        UPDATE email_accounts SET last_sync_at = now(), updated_at = now(),
               incoming_status = CASE WHEN incoming_status = 'paused' THEN incoming_status ELSE 'active'::"MailSideStatus" END
         WHERE id = ${this.accountId}::uuid`;
      // Logged in, folders synced, about to IDLE: the next session in the connect queue may go.
      this.releaseSlot();
      if (this.stopped) return;
      if (account.useIdle && account.folders.includes("INBOX")) {
        await this.idleOnInbox(client, others.length > 0 ? account.pollIntervalSeconds * 1000 : 5 * 60_000);
      } else {
        await this.sleep(account.pollIntervalSeconds * 1000);
      }
    }
  }

  /** IDLE on INBOX until the server announces new mail or changed flags, the poll interval passes, or we are woken. */
  private async idleOnInbox(client: ImapFlow, maxMs: number): Promise<void> {
    await client.mailboxOpen("INBOX");
    // Mail that came while the round ran (announced with another command's answer, or while another folder was
    // selected) would otherwise wait for the next poll, up to 5 minutes: sync again first.
    if (this.inboxChanged || (this.inboxCount !== null && client.mailbox && client.mailbox.exists !== this.inboxCount)) return;
    // Any command ends IDLE: a NOOP when new mail is announced or the poll interval is up.
    const endIdle = () => void client.noop().catch(() => {});
    const timer = setTimeout(endIdle, maxMs);
    const onExists = endIdle;
    client.on("exists", onExists);
    // A message read or marked unread elsewhere: the round that follows brings its flag over (sync-seen-flags.ts).
    client.on("flags", endIdle);
    this.wake = onExists;
    try {
      await client.idle();
    } finally {
      clearTimeout(timer);
      client.off("exists", onExists);
      client.off("flags", endIdle);
      this.wake = null;
    }
  }

  /** Waits before the next connect, its slot given back first: a session never waits holding one. */
  private backOff(ms: number): Promise<void> {
    this.releaseSlot();
    return this.sleep(jittered(ms));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
