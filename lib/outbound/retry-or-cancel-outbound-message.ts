import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { logger } from "#lib/logger";
import type { SignedInUser } from "#lib/auth/sign-in";
import { getOutboundMessageOrThrow } from "./get-outbound-message";
import type { PublicOutboundMessage } from "./schemas";
import { wakeOutboundDrain } from "./wake-outbound-drain";

/**
 * "Retry now": a queued message is due at once; a failed one is queued again
 * for all its recipients, with 24 fresh hours of retries. The same Message-ID
 * goes out, so a recipient's client can tell a copy. One conditional update:
 * a message a drain is sending, has sent or that was cancelled is left alone.
 */
export async function retryOutboundMessage(db: Db, id: string, caller: SignedInUser): Promise<PublicOutboundMessage> {
  await getOutboundMessageOrThrow(db, id, caller);
  const changed = await db.$executeRaw`
    UPDATE outbound_messages
       SET next_attempt_at = now(),
           retry_since = CASE WHEN status = 'failed' THEN now() ELSE retry_since END,
           retry_recipients = CASE WHEN status = 'failed' THEN '{}' ELSE retry_recipients END,
           status = 'queued', updated_at = now()
     WHERE id = ${id}::uuid AND status IN ('queued', 'failed')`;
  if (changed === 0) throw new AppError("conflict", `This message is ${describe((await getOutboundMessageOrThrow(db, id, caller)).status)}: only a queued or failed message can be retried`);
  const { emailAccountId } = await db.outboundMessage.findUniqueOrThrow({ where: { id }, select: { emailAccountId: true } });
  // The row is queued and due: if the job cannot be queued now, the minute's sweep drains it.
  await wakeOutboundDrain(emailAccountId).catch((error: unknown) => logger.warn({ err: String(error), emailAccountId }, "could not queue the send job; the sweep will send it"));
  return getOutboundMessageOrThrow(db, id, caller);
}

/** "Cancel": a queued or failed message is never sent (again). */
export async function cancelOutboundMessage(db: Db, id: string, caller: SignedInUser): Promise<PublicOutboundMessage> {
  await getOutboundMessageOrThrow(db, id, caller);
  const changed = await db.$executeRaw`
    UPDATE outbound_messages SET status = 'cancelled', updated_at = now()
     WHERE id = ${id}::uuid AND status IN ('queued', 'failed')`;
  if (changed === 0) throw new AppError("conflict", `This message is ${describe((await getOutboundMessageOrThrow(db, id, caller)).status)}: only a queued or failed message can be cancelled`);
  return getOutboundMessageOrThrow(db, id, caller);
}

function describe(status: PublicOutboundMessage["status"]): string {
  return status === "sending" ? "being sent right now" : status === "sent" ? "already sent" : status === "cancelled" ? "cancelled" : status;
}
