import type { Db } from "#lib/db";
import type { ClaimedRow } from "./claim-outbound-rows";
import { classifySendError, field, serverAnswer } from "./classify-smtp-answer";
import { readAttempts, type OutboundAttempt } from "./schemas";

/**
 * What becomes of a row after a try: sent, failed, or queued again (with
 * backoff, or only for the recipients refused for now), and the batched
 * UPDATEs that write it back.
 */

export const FIRST_RETRY_SECONDS = 30;
const MAX_RETRY_SECONDS = 30 * 60;
const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;

/** What becomes of one claimed row; written back in batches. */
export interface Settlement {
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
 * Writes settlements as soon as they come, one UPDATE at a time: each write
 * takes every result that arrived while the one before was running (a group
 * commit, so a fast server still costs few writes), and never waits for more.
 * A crash thus forgets at most the results of one write's round trip, and
 * only those messages can go out twice (with the same Message-ID, their
 * record marked by recoverStuckOutbound). A written row leaves `owned`.
 */
export class SettlementWriter {
  private pending: Settlement[] = [];
  private running: Promise<void> | null = null;
  private failure: unknown = null;

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
    while (!this.failure && (this.running || this.pending.length > 0)) {
      this.running ??= this.run();
      await this.running;
    }
    if (this.failure) throw this.failure;
  }
}

function failedAttempts(row: ClaimedRow): number {
  return readAttempts(row.attempts).filter((attempt) => !attempt.ok).length;
}

/** 30 s after the first failure, doubling, at most 30 min apart. */
export function retryDelaySeconds(failures: number): number {
  return Math.min(FIRST_RETRY_SECONDS * 2 ** Math.max(0, failures - 1), MAX_RETRY_SECONDS);
}

export function attempt(ok: boolean, response: string): OutboundAttempt {
  return { at: new Date().toISOString(), ok, response: response.slice(0, 1000) };
}

/** A message that some recipients took before the retry for the others failed is still sent. */
export function givenUp(row: ClaimedRow): "sent" | "failed" {
  return row.acceptedRecipients.length > 0 ? "sent" : "failed";
}

/** A temporary failure: retry with backoff, until 24 hours after the message was queued (or retried by hand). */
export function retryLater(row: ClaimedRow, response: string): Settlement {
  const tried = attempt(false, response);
  if (Date.now() - row.retrySince.getTime() >= GIVE_UP_AFTER_MS) {
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
export function recipientRefusals(outcome: unknown): RecipientRefusal[] {
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
export function settleRecipients(
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
  if (Date.now() - row.retrySince.getTime() >= GIVE_UP_AFTER_MS) {
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
