import { createHash } from "node:crypto";
import type Mail from "nodemailer/lib/mailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { Db } from "#lib/db";
import { Prisma, type EmailAccount } from "#lib/generated/prisma/client";
import { logger } from "#lib/logger";
import { createSmtpTransport } from "#lib/mail/create-smtp-transport";
import { explainMailError } from "#lib/mail/explain-mail-error";
import { mailCredentials } from "#lib/mail/mail-credentials";
import { pauseSide, recordAuthFailure, recordSideSuccess } from "#lib/mail/side-status";
import { parseSender, readAttempts, type OutboundAttempt, type Sender } from "./schemas";

/**
 * The send side of DESIGN.md "Mail worker": one call drains an account's due
 * OutboundMessage rows over one pooled SMTP transport.
 *
 * - Claims take a per-account advisory lock in a short transaction, then
 *   claim `FOR UPDATE SKIP LOCKED` within the send limit (rows sent in the
 *   last minute, counted in the database, so the limit holds across
 *   processes) and never while another drain has rows of the account in
 *   `sending`: one drain per account sends at a time anywhere, so the
 *   connection limit holds too, and a second drain just stops.
 * - As many senders as the account may open connections take rows from a
 *   queue; the next claim refills it before it runs dry, and results are
 *   written back in batched UPDATEs.
 * - For a sent row, next_attempt_at is set to the send time: the per-minute
 *   count is then a range scan of the (status, next_attempt_at) index.
 * - A worker that dies mid-send leaves rows in `sending`; recoverStuckOutbound
 *   puts them back after 5 minutes and they go again with the same Message-ID.
 *   Rows a drain holds are touched every minute, so a slow server is not
 *   mistaken for a dead worker.
 */

export const CLAIM_BATCH = 100;
export const STUCK_SENDING_MS = 5 * 60_000;
const HEARTBEAT_MS = 60_000;
const FIRST_RETRY_SECONDS = 30;
const MAX_RETRY_SECONDS = 30 * 60;
const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;
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

interface ClaimedRow {
  id: string;
  messageId: string;
  fromAddress: string | null;
  toAddresses: string[];
  ccAddresses: string[];
  bccAddresses: string[];
  subject: string;
  text: string | null;
  html: string | null;
  inReplyTo: string | null;
  references: string[];
  acceptedRecipients: string[];
  retryRecipients: string[];
  attempts: unknown;
  createdAt: Date;
}

/** What becomes of one claimed row; written back in batches. */
interface Settlement {
  id: string;
  status: "sent" | "failed" | "queued";
  attempt: OutboundAttempt | null;
  delaySeconds: number;
  /** undefined keeps the row's last error. */
  lastError?: string | null;
  /** Recipients left for the next try, and all that took the message so far (undefined keeps the row's list). */
  retryRecipients?: string[];
  acceptedRecipients?: string[];
}

type StopKind = "auth" | "network" | "config" | "quota";

// ---------------------------------------------------------------------------
// Claiming

function lockKey(emailAccountId: string): string {
  return `outbound:${emailAccountId}`;
}

const RETURNED_COLUMNS = Prisma.sql`
  id::text, message_id AS "messageId", from_address AS "fromAddress",
  COALESCE(to_addresses, '{}') AS "toAddresses", COALESCE(cc_addresses, '{}') AS "ccAddresses",
  COALESCE(bcc_addresses, '{}') AS "bccAddresses", subject, text, html, in_reply_to AS "inReplyTo",
  COALESCE("references", '{}') AS "references", COALESCE(accepted_recipients, '{}') AS "acceptedRecipients",
  COALESCE(retry_recipients, '{}') AS "retryRecipients", attempts, created_at AS "createdAt"`;

function byCreation(rows: ClaimedRow[]): ClaimedRow[] {
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/**
 * A drain's first claim (nothing of its own in flight): up to `batchSize` due
 * rows within what the send limit leaves of this minute, none while another
 * drain has rows of the account in `sending`, and none when sending is off or
 * paused. The statement runs after the advisory lock is taken, so it sees
 * every earlier claim of the account. Returns the rows and the minute's count.
 */
async function claimFirst(db: Db, emailAccountId: string, batchSize: number): Promise<{ rows: ClaimedRow[]; recent: number }> {
  const [, rows] = await db.$transaction([
    db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey(emailAccountId)}, 0))`,
    db.$queryRaw<(ClaimedRow & { recent: number })[]>`
      WITH budget AS (
        SELECT a.send_limit_per_minute AS per_minute,
               EXISTS (SELECT 1 FROM outbound_messages WHERE status = 'sending' AND email_account_id = a.id) AS busy,
               (SELECT count(*)::int FROM outbound_messages
                 WHERE status = 'sent' AND next_attempt_at > now() - interval '1 minute' AND email_account_id = a.id) AS recent
          FROM email_accounts a
         WHERE a.id = ${emailAccountId}::uuid AND a.enable_outgoing AND a.outgoing_status <> 'paused'
      ), picked AS (
        SELECT id FROM outbound_messages
         WHERE email_account_id = ${emailAccountId}::uuid AND status = 'queued' AND next_attempt_at <= now()
         ORDER BY next_attempt_at, created_at
         -- No budget row (sending off or paused) must mean no rows: LIMIT NULL would mean all.
         LIMIT COALESCE((SELECT CASE WHEN busy THEN 0 ELSE GREATEST(0, LEAST(${batchSize}::int, per_minute - recent)) END FROM budget), 0)
         FOR UPDATE SKIP LOCKED
      )
      UPDATE outbound_messages SET status = 'sending', updated_at = now()
        FROM budget
       WHERE outbound_messages.id IN (SELECT id FROM picked)
      RETURNING ${RETURNED_COLUMNS}, budget.recent`,
  ]);
  return { rows: byCreation(rows), recent: rows[0]?.recent ?? 0 };
}

/**
 * A claim while this drain holds rows (they keep other drains out): `limit`
 * rows at most, which the drain worked out from the minute's count at its
 * first claim plus its own sends since. Still none if another drain got in.
 */
async function claimMoreRows(db: Db, emailAccountId: string, limit: number, owned: ReadonlySet<string>): Promise<ClaimedRow[]> {
  const own = [...owned];
  const [, rows] = await db.$transaction([
    db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey(emailAccountId)}, 0))`,
    db.$queryRaw<ClaimedRow[]>`
      WITH picked AS (
        SELECT id FROM outbound_messages
         WHERE email_account_id = ${emailAccountId}::uuid AND status = 'queued' AND next_attempt_at <= now()
           AND NOT EXISTS (SELECT 1 FROM outbound_messages
                            WHERE status = 'sending' AND email_account_id = ${emailAccountId}::uuid AND id <> ALL(${own}::uuid[]))
           AND EXISTS (SELECT 1 FROM email_accounts
                        WHERE id = ${emailAccountId}::uuid AND enable_outgoing AND outgoing_status <> 'paused')
         ORDER BY next_attempt_at, created_at
         LIMIT ${limit}::int
         FOR UPDATE SKIP LOCKED
      )
      UPDATE outbound_messages SET status = 'sending', updated_at = now()
       WHERE id IN (SELECT id FROM picked)
      RETURNING ${RETURNED_COLUMNS}`,
  ]);
  return byCreation(rows);
}

type Standstill = { kind: "stopped" } | { kind: "busy" } | { kind: "limited"; until: Date } | { kind: "idle" };

/** Why a claim made with nothing in flight found no row. */
async function standstill(db: Db, emailAccountId: string): Promise<Standstill> {
  const [state] = await db.$queryRaw<{ canSend: boolean; perMinute: number; busy: boolean; due: boolean; recent: number }[]>`
    SELECT a.enable_outgoing AND a.outgoing_status <> 'paused' AS "canSend", a.send_limit_per_minute AS "perMinute",
           EXISTS (SELECT 1 FROM outbound_messages WHERE status = 'sending' AND email_account_id = a.id) AS busy,
           EXISTS (SELECT 1 FROM outbound_messages WHERE status = 'queued' AND next_attempt_at <= now() AND email_account_id = a.id) AS due,
           (SELECT count(*)::int FROM outbound_messages
             WHERE status = 'sent' AND next_attempt_at > now() - interval '1 minute' AND email_account_id = a.id) AS recent
      FROM email_accounts a WHERE a.id = ${emailAccountId}::uuid`;
  if (!state?.canSend) return { kind: "stopped" };
  if (state.busy) return { kind: "busy" };
  if (!state.due || state.recent < state.perMinute) return { kind: "idle" };
  // The window frees a slot when the (recent - limit + 1)-th oldest send leaves it.
  const [slot] = await db.$queryRaw<{ at: Date }[]>`
    SELECT next_attempt_at + interval '1 minute' AS at FROM outbound_messages
     WHERE status = 'sent' AND next_attempt_at > now() - interval '1 minute' AND email_account_id = ${emailAccountId}::uuid
     ORDER BY next_attempt_at OFFSET ${state.recent - state.perMinute} LIMIT 1`;
  return { kind: "limited", until: slot?.at ?? new Date(Date.now() + 60_000) };
}

/** Holds back the account's queued rows that would fall due before the send limit frees a slot. */
async function deferUntil(db: Db, emailAccountId: string, until: Date): Promise<number> {
  return db.$executeRaw`
    UPDATE outbound_messages SET next_attempt_at = ${until}, updated_at = now()
     WHERE email_account_id = ${emailAccountId}::uuid AND status = 'queued' AND next_attempt_at < ${until}`;
}

async function writeSettlements(db: Db, settlements: Settlement[]): Promise<void> {
  if (settlements.length === 0) return;
  const payload = JSON.stringify(
    settlements.map((s) => ({
      id: s.id,
      status: s.status,
      attempt: s.attempt,
      delay: s.delaySeconds,
      keep_error: s.lastError === undefined,
      last_error: s.lastError ?? null,
      retry_recipients: s.retryRecipients ?? null,
      accepted_recipients: s.acceptedRecipients ?? null,
    })),
  );
  // Times come from the database clock, as the per-minute count uses it.
  await db.$executeRaw`
    UPDATE outbound_messages AS o SET
      status = u.status::"OutboundStatus",
      attempts = CASE WHEN u.attempt IS NULL THEN o.attempts ELSE o.attempts || jsonb_build_array(u.attempt) END,
      next_attempt_at = now() + make_interval(secs => u.delay),
      sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE o.sent_at END,
      last_error = CASE WHEN u.keep_error THEN o.last_error ELSE u.last_error END,
      retry_recipients = COALESCE(u.retry_recipients, o.retry_recipients),
      accepted_recipients = COALESCE(u.accepted_recipients, o.accepted_recipients),
      updated_at = now()
    FROM jsonb_to_recordset(${payload}::jsonb)
         AS u(id uuid, status text, attempt jsonb, delay double precision, keep_error boolean, last_error text, retry_recipients text[], accepted_recipients text[])
    WHERE o.id = u.id AND o.status = 'sending'`;
}

/**
 * Collects settlements and writes them in batches, one UPDATE at a time, so a
 * crash loses at most a moment of results. A written row leaves `owned`.
 */
class SettlementWriter {
  private pending: Settlement[] = [];
  private running: Promise<void> | null = null;
  private failure: unknown = null;
  private hurry = false;

  constructor(
    private readonly db: Db,
    private readonly owned: Set<string>,
  ) {}

  add(settlement: Settlement): void {
    this.pending.push(settlement);
    this.running ??= this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        // Let more results join this write: a write costs about as much CPU as several sends.
        if (!this.hurry && this.pending.length < 100) await new Promise((resolve) => setTimeout(resolve, 50));
        const batch = this.pending.splice(0);
        await writeSettlements(this.db, batch);
        for (const settlement of batch) this.owned.delete(settlement.id);
      }
    } catch (error) {
      this.failure ??= error;
    } finally {
      this.running = null;
    }
  }

  /** Writes everything added so far; throws the first write error. */
  async flush(): Promise<void> {
    this.hurry = true;
    try {
      while (!this.failure && (this.running || this.pending.length > 0)) {
        this.running ??= this.run();
        await this.running;
      }
    } finally {
      this.hurry = false;
    }
    if (this.failure) throw this.failure;
  }
}

// ---------------------------------------------------------------------------
// Transports: one pooled transport per account per process

interface PooledTransport {
  accountId: string;
  key: string;
  transporter: Mail<SMTPTransport.SentMessageInfo>;
  accessToken: string | undefined;
  users: number;
}

const transports = new Map<string, PooledTransport>();

function transportKey(account: EmailAccount, secret: string): string {
  const settings = [account.smtpHost, account.smtpPort, account.smtpSecurity, account.smtpLogin, account.sendLimitConnections, secret];
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex");
}

/** The account's transport for this process, rebuilt when its settings or credentials changed. */
async function acquireTransport(db: Db, account: EmailAccount, rejectedAccessToken?: string): Promise<PooledTransport> {
  const auth = await mailCredentials(db, account, account.smtpLogin, rejectedAccessToken ? { rejectedAccessToken } : {});
  const accessToken = "accessToken" in auth ? auth.accessToken : undefined;
  const key = transportKey(account, accessToken ?? ("pass" in auth ? auth.pass : ""));
  const current = transports.get(account.id);
  if (current && current.key === key) {
    current.users++;
    return current;
  }
  if (current) {
    transports.delete(account.id);
    if (current.users === 0) current.transporter.close();
  }
  const transporter = (await createSmtpTransport(
    { host: account.smtpHost, port: account.smtpPort, security: account.smtpSecurity },
    auth,
    { pool: true, maxConnections: account.sendLimitConnections },
  )) as Mail<SMTPTransport.SentMessageInfo>;
  const entry: PooledTransport = { accountId: account.id, key, transporter, accessToken, users: 1 };
  transports.set(account.id, entry);
  return entry;
}

function releaseTransport(entry: PooledTransport): void {
  entry.users--;
  if (entry.users > 0) return;
  // Idle pooled connections still count against the server's connection limit: close them.
  entry.transporter.close();
  if (transports.get(entry.accountId) === entry) transports.delete(entry.accountId);
}

// ---------------------------------------------------------------------------
// Messages

function senderOf(account: EmailAccount, requested: Sender | null): { from: Sender; original: Sender | null } {
  const own: Sender = account.displayName ? { name: account.displayName, address: account.emailAddress } : { address: account.emailAddress };
  let from: Sender = requested ?? own;
  let original: Sender | null = null;
  if (account.alwaysUseAccountAddressAsSender) {
    if (requested && requested.address.toLowerCase() !== account.emailAddress.toLowerCase()) original = requested;
    from = { ...from, address: account.emailAddress };
  }
  if (account.alwaysUseAccountNameAsSenderName) {
    from = account.displayName ? { name: account.displayName, address: from.address } : { address: from.address };
  }
  return { from, original };
}

function mailAddress(sender: Sender): Mail.Address | string {
  return sender.name ? { name: sender.name, address: sender.address } : sender.address;
}

/** RFC 2047 encoded words, each short enough for a folded header line and split between characters. */
function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = "";
  for (const character of text) {
    if (Buffer.byteLength(chunk + character) > 42) {
      words.push(chunk);
      chunk = "";
    }
    chunk += character;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word).toString("base64")}?=`).join(" ");
}

/**
 * An address header nodemailer does not know (it would encode the quotes of
 * an unstructured value): the name as an atom phrase, or as encoded words.
 */
function addressHeader(sender: Sender): { prepared: true; foldLines: true; value: string } {
  const phrase = !sender.name ? "" : /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(sender.name) ? sender.name : encodedWords(sender.name);
  return { prepared: true, foldLines: true, value: phrase ? `${phrase} <${sender.address}>` : sender.address };
}

/** The nodemailer message of a row: the same bytes on every try (Message-ID and Date fixed at enqueue). */
export function buildMail(account: EmailAccount, row: ClaimedRow): Mail.Options {
  const { from, original } = senderOf(account, row.fromAddress ? parseSender(row.fromAddress) : null);
  const references = row.references.length > 0 ? row.references : row.inReplyTo ? [row.inReplyTo] : [];
  return {
    messageId: row.messageId,
    date: row.createdAt,
    from: mailAddress(from),
    ...(original ? { replyTo: mailAddress(original), headers: { "X-Original-From": addressHeader(original) } } : {}),
    to: row.toAddresses,
    ...(row.ccAddresses.length > 0 ? { cc: row.ccAddresses } : {}),
    ...(row.bccAddresses.length > 0 ? { bcc: row.bccAddresses } : {}),
    subject: row.subject,
    ...(row.text !== null ? { text: row.text } : {}),
    ...(row.html !== null ? { html: row.html } : {}),
    ...(row.inReplyTo ? { inReplyTo: row.inReplyTo } : {}),
    ...(references.length > 0 ? { references } : {}),
    // After a partial delivery only the recipients that asked us to try again get the message again.
    envelope: {
      from: account.emailAddress,
      to: row.retryRecipients.length > 0 ? row.retryRecipients : [...row.toAddresses, ...row.ccAddresses, ...row.bccAddresses],
    },
  };
}

// ---------------------------------------------------------------------------
// Classifying answers

/** Sender quota answers, temporary even as 5xx (Exchange 554 5.2.0 …SubmissionQuotaExceeded, Gmail 550 5.4.5). */
const SENDER_QUOTA = /SubmissionQuotaExceeded|\b5\.4\.5\b|sending (?:limit|quota)|quota exceeded|rate limit/i;

interface StopVerdict {
  kind: StopKind;
  response: string;
  reason: string;
  hint?: string;
}

type Verdict = { kind: "temporary"; response: string } | { kind: "permanent"; response: string } | StopVerdict;

function field(error: unknown, name: string): unknown {
  return error && typeof error === "object" ? (error as Record<string, unknown>)[name] : undefined;
}

function serverAnswer(error: unknown): string {
  const response = field(error, "response");
  if (typeof response === "string" && response.trim()) return response.trim();
  const message = field(error, "message");
  return typeof message === "string" ? message : String(error);
}

export function classifySendError(error: unknown): Verdict {
  const responseCode = field(error, "responseCode");
  const code = field(error, "code");
  const response = serverAnswer(error);
  if (code === "EAUTH" || code === "NoAuth" || responseCode === 530 || responseCode === 535) {
    const explained = explainMailError(error, "smtp");
    return { kind: "auth", response, reason: explained.error, hint: explained.hint };
  }
  if (typeof responseCode !== "number") {
    const explained = explainMailError(error, "smtp");
    return { kind: explained.kind === "config" ? "config" : "network", response, reason: explained.error, hint: explained.hint };
  }
  if (SENDER_QUOTA.test(response)) {
    return { kind: "quota", response, reason: `The SMTP server refused more mail from this account for now (sending quota): ${response}` };
  }
  if (responseCode >= 400 && responseCode < 500) return { kind: "temporary", response };
  if (responseCode >= 500 && /quota/i.test(response)) return { kind: "temporary", response };
  if (responseCode >= 500 && responseCode < 600) return { kind: "permanent", response };
  return { kind: "temporary", response };
}

function failedAttempts(row: ClaimedRow): number {
  return readAttempts(row.attempts).filter((attempt) => !attempt.ok).length;
}

/** 30 s after the first failure, doubling, at most 30 min apart. */
export function retryDelaySeconds(failures: number): number {
  return Math.min(FIRST_RETRY_SECONDS * 2 ** Math.max(0, failures - 1), MAX_RETRY_SECONDS);
}

function attempt(ok: boolean, response: string): OutboundAttempt {
  return { at: new Date().toISOString(), ok, response: response.slice(0, 1000) };
}

/** A message that some recipients took before the retry for the others failed is still sent. */
function givenUp(row: ClaimedRow): "sent" | "failed" {
  return row.acceptedRecipients.length > 0 ? "sent" : "failed";
}

/** A temporary failure: retry with backoff, until 24 hours after the message was queued. */
function retryLater(row: ClaimedRow, response: string): Settlement {
  const tried = attempt(false, response);
  if (Date.now() - row.createdAt.getTime() >= GIVE_UP_AFTER_MS) {
    return { id: row.id, status: givenUp(row), attempt: tried, delaySeconds: 0, lastError: `Gave up after 24 hours of temporary failures; last answer: ${response}` };
  }
  return { id: row.id, status: "queued", attempt: tried, delaySeconds: retryDelaySeconds(failedAttempts(row) + 1), lastError: response };
}

interface RecipientRefusal {
  recipient: string;
  response: string;
  temporary: boolean;
}

/** The per-recipient refusals nodemailer reports (RCPT TO answers), each classified like a whole send. */
function recipientRefusals(outcome: unknown): RecipientRefusal[] {
  const errors = field(outcome, "rejectedErrors");
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.map((error: unknown) => {
      const kind = classifySendError(error).kind;
      return { recipient: String(field(error, "recipient") ?? ""), response: serverAnswer(error), temporary: kind !== "permanent" };
    });
  }
  const rejected = field(outcome, "rejected");
  return Array.isArray(rejected) ? rejected.map((address) => ({ recipient: String(address), response: "refused", temporary: false })) : [];
}

/**
 * The settlement of a try in which the server answered per recipient: some
 * took the message (`accepted`: their addresses and the server's final
 * answer) or none did (null). Recipients refused for now are tried again on
 * their own, with backoff, for 24 hours; a message anyone has is sent.
 */
function settleRecipients(
  row: ClaimedRow,
  accepted: { recipients: string[]; response: string } | null,
  refusals: RecipientRefusal[],
): Settlement {
  const acceptedRecipients = [...new Set([...row.acceptedRecipients, ...(accepted?.recipients ?? [])])];
  const refused = refusals.map((refusal) => `${refusal.recipient}: ${refusal.response}`).join("; ");
  const note = refusals.length > 0 ? `Not accepted for ${refused}` : null;
  const answer = [accepted?.response ?? "No recipient accepted the message", note].filter(Boolean).join(" — ");
  const again = refusals.filter((refusal) => refusal.temporary).map((refusal) => refusal.recipient);
  const done = (lastError: string | null): Settlement => ({
    id: row.id,
    status: acceptedRecipients.length > 0 ? "sent" : "failed",
    attempt: attempt(accepted !== null && refusals.length === 0, answer),
    delaySeconds: 0,
    lastError,
    acceptedRecipients,
    retryRecipients: [],
  });
  if (again.length === 0) return done(note);
  if (Date.now() - row.createdAt.getTime() >= GIVE_UP_AFTER_MS) {
    return done(`Gave up on ${again.join(", ")} after 24 hours of temporary refusals; last answer: ${refused}`);
  }
  return {
    id: row.id,
    status: "queued",
    attempt: attempt(false, `${answer}; trying again for ${again.join(", ")}`),
    delaySeconds: retryDelaySeconds(failedAttempts(row) + 1),
    lastError: note,
    acceptedRecipients,
    retryRecipients: again,
  };
}

// ---------------------------------------------------------------------------
// The drain

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
    let mail: Mail.Options;
    try {
      mail = buildMail(account, row);
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
    await pauseSide(db, account.id, "outgoing", failure.error);
    return false;
  }
  result.deferred += release(rows, writer, FIRST_RETRY_SECONDS);
  if (failure.kind === "auth" || failure.kind === "config") return !(await recordAuthFailure(db, account.id, "outgoing", reason));
  await db.emailAccount.update({ where: { id: account.id }, data: { lastError: failure.error } });
  return true;
}

async function nextDue(db: Db, emailAccountId: string): Promise<Date | null> {
  const [row] = await db.$queryRaw<{ at: Date | null }[]>`
    SELECT min(next_attempt_at) AS at FROM outbound_messages WHERE email_account_id = ${emailAccountId}::uuid AND status = 'queued'`;
  return row?.at ?? null;
}

/**
 * Rows left in `sending` by a worker that died mid-send go back to the queue
 * (the next send keeps their Message-ID, so a duplicate is recognisable).
 */
export async function recoverStuckOutbound(db: Db, olderThanMs = STUCK_SENDING_MS): Promise<{ recovered: number; emailAccountIds: string[] }> {
  const note = JSON.stringify(
    attempt(false, "No answer recorded: the worker stopped during this send. Sent again with the same Message-ID."),
  );
  const rows = await db.$queryRaw<{ emailAccountId: string }[]>`
    UPDATE outbound_messages
       SET status = 'queued', next_attempt_at = now(), updated_at = now(), attempts = attempts || jsonb_build_array(${note}::jsonb)
     WHERE status = 'sending' AND updated_at < now() - make_interval(secs => ${olderThanMs / 1000})
    RETURNING email_account_id::text AS "emailAccountId"`;
  if (rows.length > 0) logger.warn({ recovered: rows.length }, "outbound messages recovered from a stopped worker");
  return { recovered: rows.length, emailAccountIds: [...new Set(rows.map((row) => row.emailAccountId))] };
}

/** Accounts with messages due now that may send. */
export async function accountsWithDueMessages(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT o.email_account_id::text AS id
      FROM outbound_messages o JOIN email_accounts a ON a.id = o.email_account_id
     WHERE o.status = 'queued' AND o.next_attempt_at <= now()
       AND a.enable_outgoing AND a.outgoing_status <> 'paused'`;
  return rows.map((row) => row.id);
}
