import type { Db } from "#lib/db";
import { Prisma } from "#lib/generated/prisma/client";

/**
 * Claiming an account's due outbound rows (lib/outbound/drain-outbound-queue.ts).
 * Claims take a per-account advisory lock in a short transaction, then claim
 * `FOR UPDATE SKIP LOCKED` within the send limit (rows sent in the last
 * minute, counted in the database, so the limit holds across processes) and
 * never while another drain has rows of the account in `sending`: one drain
 * per account sends at a time anywhere, so the connection limit holds too.
 * For a sent row, next_attempt_at is the send time: the per-minute count is
 * then a range scan of the (status, next_attempt_at) index.
 */

export interface ClaimedRow {
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
  retrySince: Date;
  /** Whether files are stored with it: only then are they loaded (most mail has none). */
  hasAttachments: boolean;
}


function lockKey(emailAccountId: string): string {
  return `outbound:${emailAccountId}`;
}

/** The columns of a ClaimedRow, for a RETURNING or SELECT over outbound_messages (also append-sent-copies.ts). */
export const RETURNED_COLUMNS = Prisma.sql`
  id::text, message_id AS "messageId", from_address AS "fromAddress",
  COALESCE(to_addresses, '{}') AS "toAddresses", COALESCE(cc_addresses, '{}') AS "ccAddresses",
  COALESCE(bcc_addresses, '{}') AS "bccAddresses", subject, text, html, in_reply_to AS "inReplyTo",
  COALESCE("references", '{}') AS "references", COALESCE(accepted_recipients, '{}') AS "acceptedRecipients",
  COALESCE(retry_recipients, '{}') AS "retryRecipients", attempts, created_at AS "createdAt", retry_since AS "retrySince",
  EXISTS (SELECT 1 FROM outbound_attachments f WHERE f.outbound_message_id = outbound_messages.id) AS "hasAttachments"`;

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
export async function claimFirst(db: Db, emailAccountId: string, batchSize: number): Promise<{ rows: ClaimedRow[]; recent: number }> {
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
export async function claimMoreRows(db: Db, emailAccountId: string, limit: number, owned: ReadonlySet<string>): Promise<ClaimedRow[]> {
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
export async function standstill(db: Db, emailAccountId: string): Promise<Standstill> {
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
export async function deferUntil(db: Db, emailAccountId: string, until: Date): Promise<number> {
  return db.$executeRaw`
    UPDATE outbound_messages SET next_attempt_at = ${until}, updated_at = now()
     WHERE email_account_id = ${emailAccountId}::uuid AND status = 'queued' AND next_attempt_at < ${until}`;
}

/** When the account's earliest queued row is due. */
export async function nextDue(db: Db, emailAccountId: string): Promise<Date | null> {
  const [row] = await db.$queryRaw<{ at: Date | null }[]>`
    SELECT min(next_attempt_at) AS at FROM outbound_messages WHERE email_account_id = ${emailAccountId}::uuid AND status = 'queued'`;
  return row?.at ?? null;
}
