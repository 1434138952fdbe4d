import MailComposer from "nodemailer/lib/mail-composer";
import type { ImapFlow } from "imapflow";
import type { Db } from "#lib/db";
import { Prisma } from "#lib/generated/prisma/client";
import { logger } from "#lib/logger";
import { createImapClient } from "#lib/mail/connect-imap";
import { explainMailError } from "#lib/mail/explain-mail-error";
import { mailCredentials } from "#lib/mail/mail-credentials";
import { buildMail, loadAttachments } from "./build-outbound-mail";
import { RETURNED_COLUMNS, type ClaimedRow } from "./claim-outbound-rows";

/** Copies are made for messages sent within this window (a copy much later would only confuse). */
const COPY_WINDOW = "1 day";
/** At most this many copies per run; the next run (the drain's follow-up or the minute's sweep) does the rest. */
const COPIES_PER_RUN = 100;
/** How long a run holds its messages: longer than a run of 100 appends takes; a run that died lets go by then. */
const CLAIM = "10 minutes";

/** A sent message of outbound_messages `o` whose copy is still to be made, and which no run holds now. */
const COPY_PENDING = Prisma.sql`o.status = 'sent' AND o.sent_copy_at IS NULL AND o.sent_copy_error IS NULL
  AND o.sent_at > now() - ${COPY_WINDOW}::interval
  AND (o.sent_copy_claimed_until IS NULL OR o.sent_copy_claimed_until < now())`;

/**
 * Appends a copy of each message the account sent to its Sent folder over
 * IMAP, as mail clients do (Exchange does not file what its SMTP server
 * sends; Gmail does, so its accounts have this off). Each copy is marked
 * \Seen, dated when it was sent, and carries its Bcc as a sender's copy
 * does. A run claims its messages, so overlapping runs never copy one twice;
 * a copy already in the folder (same Message-ID: a run stopped between the
 * append and recording it) is not made again. The server's refusal is
 * recorded on the message and not retried; a dropped connection or a
 * database error leaves the rest for the next run. None of it touches the
 * sending itself.
 */
export async function appendSentCopies(db: Db, emailAccountId: string): Promise<{ appended: number; failed: number }> {
  const account = await db.emailAccount.findUnique({ where: { id: emailAccountId } });
  if (!account?.appendToSent || !account.enableIncoming || account.incomingStatus === "paused") return { appended: 0, failed: 0 };
  // Claimed for the run: another run (the drain's job and the sweep's may overlap, on any worker) skips them.
  const rows = await db.$queryRaw<(ClaimedRow & { sentAt: Date })[]>`
    UPDATE outbound_messages SET sent_copy_claimed_until = now() + ${CLAIM}::interval
     WHERE id IN (
       SELECT o.id FROM outbound_messages o
        WHERE o.email_account_id = ${emailAccountId}::uuid AND ${COPY_PENDING}
        ORDER BY o.sent_at LIMIT ${COPIES_PER_RUN}
        FOR UPDATE SKIP LOCKED)
    RETURNING ${RETURNED_COLUMNS}, sent_at AS "sentAt"`;
  if (rows.length === 0) return { appended: 0, failed: 0 };
  const unclaim = (ids: string[]) =>
    db.outboundMessage.updateMany({ where: { id: { in: ids }, sentCopyAt: null }, data: { sentCopyClaimedUntil: null } }).catch(() => undefined);

  let client: ImapFlow;
  try {
    client = await createImapClient({ host: account.imapHost, port: account.imapPort, security: account.imapSecurity }, await mailCredentials(db, account, account.imapLogin));
    client.on("error", (error: unknown) => logger.debug({ emailAccountId, err: String(error) }, "imap error event (sent copies)"));
    await client.connect();
  } catch (error) {
    // The session's own handling pauses and explains a broken sign-in; the copies wait for the next run.
    logger.warn({ emailAccountId, err: explainMailError(error, "imap").error }, "could not sign in to append sent copies");
    await unclaim(rows.map((row) => row.id));
    return { appended: 0, failed: 0 };
  }
  let appended = 0;
  let failed = 0;
  const done = new Set<string>();
  try {
    const folder = account.sentFolder ?? (await client.list()).find((mailbox) => mailbox.specialUse === "\\Sent")?.path;
    if (!folder) {
      await recordFailure(db, rows.map((row) => row.id), "The server names no Sent folder: choose one in the account's settings");
      return { appended: 0, failed: rows.length };
    }
    for (const row of rows) {
      try {
        await appendOne(db, client, account, folder, row);
        appended++;
        done.add(row.id);
      } catch (error) {
        // The server's own refusal (NO: no such folder, over quota) is this message's answer; anything else
        // (a dropped connection, the database) leaves the rest for the next run, where the Message-ID check
        // finds a copy that went in before the failure.
        if (!isServerRefusal(error)) {
          logger.warn({ emailAccountId, err: String(error) }, "appending sent copies stopped; the rest wait for the next run");
          break;
        }
        failed++;
        done.add(row.id);
        await recordFailure(db, [row.id], `Could not add the copy to ${folder}: ${explainMailError(error, "imap").error}`);
      }
    }
  } finally {
    await unclaim(rows.map((row) => row.id).filter((id) => !done.has(id)));
    await client.logout().catch(() => client.close());
  }
  return { appended, failed };
}

/** An IMAP command the server answered NO or BAD to (imapflow's responseStatus), as opposed to a connection or database failure. */
function isServerRefusal(error: unknown): boolean {
  const status = (error as { responseStatus?: unknown } | null)?.responseStatus;
  return status === "NO" || status === "BAD";
}

async function appendOne(db: Db, client: ImapFlow, account: Parameters<typeof buildMail>[0], folder: string, row: ClaimedRow & { sentAt: Date }) {
  const lock = await client.getMailboxLock(folder);
  try {
    const already = (await client.search({ header: { "message-id": row.messageId } }, { uid: true })) || [];
    if (already.length === 0) {
      const attachments = row.hasAttachments ? await loadAttachments(db, row.id) : [];
      const raw = await compose(buildMail(account, row, attachments));
      await client.append(folder, raw, ["\\Seen"], row.sentAt);
    }
  } finally {
    lock.release();
  }
  await db.outboundMessage.update({ where: { id: row.id }, data: { sentCopyAt: new Date(), sentCopyClaimedUntil: null } });
}

/** The message as its sender's copy: the same headers and parts as sent, Bcc kept. */
function compose(options: ReturnType<typeof buildMail>): Promise<Buffer> {
  const node = new MailComposer(options).compile();
  node.keepBcc = true;
  return new Promise((resolve, reject) => node.build((error, message) => (error ? reject(error) : resolve(message))));
}

async function recordFailure(db: Db, ids: string[], reason: string): Promise<void> {
  await db.outboundMessage.updateMany({ where: { id: { in: ids } }, data: { sentCopyError: reason, sentCopyClaimedUntil: null } });
}

/** Accounts with sent messages still waiting for their copy (the sweep's backstop). */
export async function accountsWithPendingSentCopies(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT o.email_account_id::text AS id
      FROM outbound_messages o JOIN email_accounts a ON a.id = o.email_account_id
     WHERE ${COPY_PENDING} AND a.append_to_sent AND a.enable_incoming AND a.incoming_status <> 'paused'`;
  return rows.map((row) => row.id);
}
