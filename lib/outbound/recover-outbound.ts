import type { Db } from "#lib/db";
import { logger } from "#lib/logger";
import { attempt } from "./settle-outbound-attempt";

export const STUCK_SENDING_MS = 5 * 60_000;

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
