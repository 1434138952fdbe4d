import type { Db } from "#lib/db";
import { notify } from "#lib/notifications/notify";

export const MAX_CONSECUTIVE_AUTH_FAILURES = 5;

type Side = "incoming" | "outgoing";

const columns = {
  incoming: { status: "incomingStatus", reason: "incomingPausedReason", failures: "incomingFailures" },
  outgoing: { status: "outgoingStatus", reason: "outgoingPausedReason", failures: "outgoingFailures" },
} as const;

/** Pauses one side with the reason the UI shows, and tells the owner. */
export async function pauseSide(db: Db, accountId: string, side: Side, reason: string): Promise<void> {
  const c = columns[side];
  const account = await db.emailAccount.update({
    where: { id: accountId },
    data: { [c.status]: "paused", [c.reason]: reason, lastError: reason },
  });
  await notify(db, {
    userId: account.ownerId,
    kind: `email_account.${side}_paused`,
    title: `${side === "incoming" ? "Reading" : "Sending"} paused for ${account.emailAddress}`,
    body: `${reason} Fix it, then save the account (or reconnect) to resume.`,
    link: `/email-accounts/${account.id}`,
  });
}

/** Counts an authentication failure; the fifth in a row pauses the side. Returns true when it paused. */
export async function recordAuthFailure(db: Db, accountId: string, side: Side, reason: string): Promise<boolean> {
  const c = columns[side];
  const account = await db.emailAccount.update({
    where: { id: accountId },
    data: { [c.failures]: { increment: 1 }, lastError: reason },
  });
  if (account[c.failures] >= MAX_CONSECUTIVE_AUTH_FAILURES) {
    await pauseSide(db, accountId, side, `${MAX_CONSECUTIVE_AUTH_FAILURES} authentication failures in a row: ${reason}`);
    return true;
  }
  return false;
}

/**
 * A side worked: its failure count starts again, and it is `status` now,
 * unless it was paused meanwhile (a heartbeat's reconcile, an admin): a
 * session that was already running must not lift a pause.
 */
export async function recordSideSuccess(db: Db, accountId: string, side: Side, status: "active" | "syncing" = "active"): Promise<void> {
  if (side === "incoming") {
    await db.$executeRaw`
      UPDATE email_accounts SET incoming_failures = 0, updated_at = now(),
             incoming_status = CASE WHEN incoming_status = 'paused' THEN incoming_status ELSE ${status}::"MailSideStatus" END
       WHERE id = ${accountId}::uuid`;
  } else {
    await db.$executeRaw`
      UPDATE email_accounts SET outgoing_failures = 0, updated_at = now(),
             outgoing_status = CASE WHEN outgoing_status = 'paused' THEN outgoing_status ELSE ${status}::"MailSideStatus" END
       WHERE id = ${accountId}::uuid`;
  }
}
