import type Mail from "nodemailer/lib/mailer";
import type { Db } from "#lib/db";
import type { EmailAccount } from "#lib/generated/prisma/client";
import { logger } from "#lib/logger";
import { explainMailError } from "#lib/mail/explain-mail-error";
import { CONNECTION_PAUSE_PREFIX } from "#lib/mail/follow-connection-status";
import { pauseSide, recordAuthFailure, recordSideSuccess } from "#lib/mail/side-status";
import { buildMail, loadAttachments, type StoredAttachment } from "./build-outbound-mail";
import { claimFirst, claimMoreRows, deferUntil, nextDue, standstill, type ClaimedRow } from "./claim-outbound-rows";
import { classifySendError, field, type StopVerdict } from "./classify-smtp-answer";
import { acquireTransport, releaseTransport, type PooledTransport } from "./smtp-transport-pool";
import {
  FIRST_RETRY_SECONDS,
  SettlementWriter,
  attempt,
  givenUp,
  recipientRefusals,
  retryLater,
  settleRecipients,
  type Settlement,
} from "./settle-outbound-attempt";

/**
 * The send side of the mail worker: one call drains an account's due
 * OutboundMessage rows over one pooled SMTP transport.
 *
 * - One drain per account sends at a time anywhere (claim-outbound-rows.ts),
 *   so the account's send limits hold across processes.
 * - As many senders as the account may open connections take rows from a
 *   queue; the next claim refills it before it runs dry, and results are
 *   written back in batched UPDATEs (settle-outbound-attempt.ts).
 * - A worker that dies mid-send leaves rows in `sending`; recoverStuckOutbound
 *   (recover-outbound.ts) puts them back after 5 minutes and they go again
 *   with the same Message-ID. Rows a drain holds are touched every minute, so
 *   a slow server is not mistaken for a dead worker.
 */

export const CLAIM_BATCH = 100;
const HEARTBEAT_MS = 60_000;
const DEFAULT_MAX_DURATION_MS = 5 * 60_000;

export interface DrainResult {
  sent: number;
  failed: number;
  /** Rows put back to `queued` for later: temporary failures and rows held back by the send limit. */
  deferred: number;
  /** Another drain has this account's rows in flight; it carries on, this one stopped. */
  busy: boolean;
  /** When the account's earliest queued row is due; null when none is, or the account cannot send now. */
  nextAttemptAt: Date | null;
}

export interface DrainOptions {
  batchSize?: number;
  /** Stop claiming after this long (the job queues a follow-up): keeps a job well within its expiry. */
  maxDurationMs?: number;
}

function release(rows: ClaimedRow[], writer: SettlementWriter, delaySeconds: number): number {
  for (const row of rows) writer.add({ id: row.id, status: "queued", attempt: null, delaySeconds });
  return rows.length;
}

/**
 * Sends the account's due messages until none is due, the send limit is
 * reached, another drain holds the account, the time is up, or the account
 * must stop (paused, refused sign-in, server unreachable). Senders (one per
 * allowed connection) take rows from a queue that the next claim refills
 * before it runs dry.
 */
export async function drainOutboundQueue(db: Db, emailAccountId: string, options: DrainOptions = {}): Promise<DrainResult> {
  const batchSize = options.batchSize ?? CLAIM_BATCH;
  const deadline = Date.now() + (options.maxDurationMs ?? DEFAULT_MAX_DURATION_MS);
  const result: DrainResult = { sent: 0, failed: 0, deferred: 0, busy: false, nextAttemptAt: null };
  const account = await db.emailAccount.findUnique({ where: { id: emailAccountId } });
  if (!account || !account.enableOutgoing || account.outgoingStatus === "paused") return result;

  const owned = new Set<string>();
  const writer = new SettlementWriter(db, owned);
  const queue: ClaimedRow[] = [];
  let claiming: Promise<void> | null = null;
  let claimFailure: unknown = null;
  let moreToClaim = true;
  // Set by a sender when the account, not one message, failed: the others stop taking rows.
  const halt: { verdict: StopVerdict | null; delaySeconds: number } = { verdict: null, delaySeconds: FIRST_RETRY_SECONDS };
  const authRefused: ClaimedRow[] = [];
  let transport: PooledTransport | null = null;
  let rejectedToken: string | undefined;
  let refreshed = false;
  let canSend = true;

  // The send limit: the minute's count at the last first-claim, plus this drain's sends since (all
  // that can have been sent meanwhile: while it holds rows, no other drain of the account claims).
  let recentAtClaim = 0;
  const ownSends: number[] = [];
  const budget = () => {
    const windowStart = Date.now() - 60_000;
    while (ownSends.length > 0 && ownSends[0]! <= windowStart) ownSends.shift();
    return account.sendLimitPerMinute - recentAtClaim - ownSends.length - owned.size;
  };

  const claimMore = (): Promise<void> => {
    const first = owned.size === 0;
    const limit = first ? batchSize : Math.min(batchSize, budget());
    if (!first && limit <= 0) {
      moreToClaim = false;
      return Promise.resolve();
    }
    claiming ??= (first ? claimFirst(db, emailAccountId, batchSize) : claimMoreRows(db, emailAccountId, limit, owned).then((rows) => ({ rows, recent: null })))
      .then(
        ({ rows, recent }) => {
          if (recent !== null) {
            recentAtClaim = recent;
            ownSends.length = 0;
          }
          for (const row of rows) owned.add(row.id);
          queue.push(...rows);
          if (rows.length === 0) moreToClaim = false;
        },
        (error: unknown) => {
          claimFailure ??= error;
          moreToClaim = false;
        },
      )
      .finally(() => {
        claiming = null;
      });
    return claiming;
  };

  const settle = (settlement: Settlement) => {
    writer.add(settlement);
    if (settlement.status === "sent") {
      result.sent++;
      ownSends.push(Date.now());
    } else if (settlement.status === "failed") result.failed++;
    else result.deferred++;
  };
  const sendOne = async (current: PooledTransport, row: ClaimedRow) => {
    let attachments: StoredAttachment[] = [];
    try {
      if (row.hasAttachments) attachments = await loadAttachments(db, row.id);
    } catch (error) {
      // The database, not the message: try again later.
      // The database's own words stay in the log; the record says what happened.
      logger.warn({ err: String(error), outboundMessageId: row.id }, "could not read a queued message's files");
      settle(retryLater(row, "The message's files could not be read from the database; trying again"));
      return;
    }
    let mail: Mail.Options;
    try {
      mail = buildMail(account, row, attachments);
    } catch (error) {
      const problem = `The message could not be built: ${error instanceof Error ? error.message : String(error)}`;
      settle({ id: row.id, status: "failed", attempt: attempt(false, problem), delaySeconds: 0, lastError: problem });
      return;
    }
    try {
      const info = await current.transporter.sendMail(mail);
      const recipients = info.accepted.map((address) => (typeof address === "string" ? address : address.address));
      settle(settleRecipients(row, { recipients, response: info.response }, recipientRefusals(info)));
    } catch (error) {
      // Every recipient refused at RCPT TO: each one's answer decides, not the last one alone.
      if (field(error, "code") === "EENVELOPE" && Array.isArray(field(error, "rejectedErrors"))) {
        settle(settleRecipients(row, null, recipientRefusals(error)));
        return;
      }
      const verdict = classifySendError(error);
      if (verdict.kind === "auth") {
        authRefused.push(row);
        halt.verdict ??= verdict;
      } else if (verdict.kind === "permanent") {
        settle({ id: row.id, status: givenUp(row), attempt: attempt(false, verdict.response), delaySeconds: 0, lastError: verdict.response });
      } else {
        const settlement = retryLater(row, verdict.response);
        settle(settlement);
        if (verdict.kind !== "temporary" && !halt.verdict) {
          halt.verdict = verdict;
          halt.delaySeconds = Math.max(settlement.delaySeconds, FIRST_RETRY_SECONDS);
        }
      }
    }
  };

  const sender = async (current: PooledTransport) => {
    for (;;) {
      if (halt.verdict) return;
      const row = queue.shift();
      if (!row) {
        if (claiming) {
          await claiming;
          continue;
        }
        if (!moreToClaim || Date.now() >= deadline) return;
        await claimMore();
        continue;
      }
      if (moreToClaim && !claiming && queue.length < batchSize / 2 && Date.now() < deadline) void claimMore();
      await sendOne(current, row);
    }
  };

  const heartbeat = setInterval(() => {
    const ids = [...owned];
    db.$executeRaw`UPDATE outbound_messages SET updated_at = now() WHERE status = 'sending' AND id = ANY(${ids}::uuid[])`.catch(
      (error: unknown) => logger.warn({ err: error }, "could not touch outbound rows in flight"),
    );
  }, HEARTBEAT_MS);
  heartbeat.unref();

  try {
    for (;;) {
      if (queue.length === 0) {
        if (Date.now() >= deadline) break;
        // Nothing of ours in flight now: this claim, or its emptiness, is conclusive.
        await writer.flush();
        moreToClaim = true;
        await claimMore();
        if (claimFailure) throw claimFailure;
        if (queue.length === 0) {
          const why = await standstill(db, emailAccountId);
          if (why.kind === "stopped") canSend = false;
          if (why.kind === "busy") result.busy = true;
          if (why.kind === "limited") result.deferred += await deferUntil(db, emailAccountId, why.until);
          break;
        }
      }
      if (!transport) {
        try {
          transport = await acquireTransport(db, account, rejectedToken);
          rejectedToken = undefined;
        } catch (error) {
          canSend = await onAccountFailure(db, account, error, queue.splice(0), writer, result);
          break;
        }
      }
      const current = transport;
      moreToClaim = true;
      await Promise.all(Array.from({ length: Math.max(1, account.sendLimitConnections) }, () => sender(current)));
      if (claiming) await claiming;
      if (claimFailure) throw claimFailure;
      if (result.sent > 0 && account.outgoingFailures > 0) {
        await recordSideSuccess(db, account.id, "outgoing");
        account.outgoingFailures = 0;
      }
      const stopped = halt.verdict;
      if (!stopped) continue;
      halt.verdict = null;
      if (stopped.kind === "auth") {
        const refused = authRefused.splice(0);
        rejectedToken = current.accessToken;
        releaseTransport(current);
        transport = null;
        if (!refreshed && rejectedToken) {
          // One forced token refresh and a new transport before the refusal counts.
          refreshed = true;
          queue.unshift(...refused);
          continue;
        }
        for (const row of refused) settle(retryLater(row, stopped.response));
        result.deferred += release(queue.splice(0), writer, FIRST_RETRY_SECONDS);
        logger.warn({ emailAccountId, error: stopped.reason }, "SMTP sign-in refused");
        if (await recordAuthFailure(db, account.id, "outgoing", `${stopped.reason}${stopped.hint ? ` ${stopped.hint}` : ""}`)) canSend = false;
      } else {
        result.deferred += release(queue.splice(0), writer, halt.delaySeconds);
        logger.warn({ emailAccountId, kind: stopped.kind, error: stopped.reason }, "sending stopped for now");
        if (stopped.kind === "config") {
          if (await recordAuthFailure(db, account.id, "outgoing", `${stopped.reason}${stopped.hint ? ` ${stopped.hint}` : ""}`)) canSend = false;
        } else {
          await db.emailAccount.update({ where: { id: account.id }, data: { lastError: stopped.reason } });
        }
      }
      break;
    }
  } finally {
    clearInterval(heartbeat);
    if (transport) releaseTransport(transport);
    // After an error, rows not tried go back now rather than after the stuck-row timeout.
    release([...authRefused.splice(0), ...queue.splice(0)], writer, FIRST_RETRY_SECONDS);
    await writer.flush();
  }
  result.nextAttemptAt = canSend ? await nextDue(db, emailAccountId) : null;
  return result;
}

/**
 * The account, not a message, failed before anything was sent (credentials,
 * host, a connection needing the user). Returns whether the account may still send.
 */
async function onAccountFailure(
  db: Db,
  account: EmailAccount,
  error: unknown,
  rows: ClaimedRow[],
  writer: SettlementWriter,
  result: DrainResult,
): Promise<boolean> {
  const failure = explainMailError(error, "smtp");
  logger.warn({ emailAccountId: account.id, kind: failure.kind, error: failure.error }, "cannot send from this account now");
  const reason = `${failure.error}${failure.hint ? ` ${failure.hint}` : ""}`;
  if (failure.kind === "reauth") {
    result.deferred += release(rows, writer, 0);
    // Resumed by followConnectionStatus once the connection is active (a first connect included).
    await pauseSide(db, account.id, "outgoing", `${CONNECTION_PAUSE_PREFIX}${failure.error}`);
    return false;
  }
  result.deferred += release(rows, writer, FIRST_RETRY_SECONDS);
  if (failure.kind === "auth" || failure.kind === "config") return !(await recordAuthFailure(db, account.id, "outgoing", reason));
  await db.emailAccount.update({ where: { id: account.id }, data: { lastError: failure.error } });
  return true;
}
