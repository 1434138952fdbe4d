import type { Db } from "#lib/db";
import { env } from "#lib/env";
import type { EmailAccount } from "#lib/generated/prisma/client";
import { logger } from "#lib/logger";
import type { ReconnectReminder } from "#lib/queue/contracts";
import { enqueueSystemMessage } from "./enqueue-system-message";

/**
 * The e-mail half of "a notification when a connection needs
 * re-authorisation" (ADR 0008): the in-app notification is the record, this
 * sends a copy to the owner's address from the default outgoing account (the
 * "system sender" an admin chose), when there is one that can send. The
 * worker runs it as the reconnect-reminder job, queued by lib/tokens.
 */

export type ReminderOutcome =
  | { queued: true; outboundMessageId: string }
  | {
      queued: false;
      reason: "no_default_account" | "outgoing_off" | "outgoing_paused" | "sender_uses_broken_connection" | "no_owner" | "failed";
    };

/**
 * Whether the account signs in to SMTP with the token that broke: its own
 * connection (same app and user), or the app-only token of the same app.
 * Mail from it would only fail (or wait, paused) until the very reconnect it asks for.
 */
export function sendsWithConnection(account: EmailAccount, connection: ReconnectReminder["connection"]): boolean {
  if (account.authMethod !== "oauth" || account.connectedAppId !== connection.connectedAppId) return false;
  if (connection.userId === null) return account.servicePrincipal;
  return !account.servicePrincipal && account.connectedUserId === connection.userId;
}

/**
 * Queues the reminder through the outbound queue. Never throws: the in-app
 * notification already tells the user, and the outcome is logged.
 */
export async function emailOwnerToReconnect(db: Db, reminder: ReconnectReminder): Promise<ReminderOutcome> {
  let sender: EmailAccount | null = null;
  try {
    sender = await db.emailAccount.findFirst({ where: { isDefaultOutgoing: true } });
    const skip = (reason: Exclude<ReminderOutcome, { queued: true }>["reason"]): ReminderOutcome => {
      // Not an error: an install may have no system sender, or it may be switched off on purpose.
      logger.info({ notificationId: reminder.notificationId, emailAccountId: sender?.id, reason }, "reconnect reminder not e-mailed");
      return { queued: false, reason };
    };
    if (!sender) return skip("no_default_account");
    if (!sender.enableOutgoing) return skip("outgoing_off");
    if (sender.outgoingStatus === "paused") return skip("outgoing_paused");
    if (sendsWithConnection(sender, reminder.connection)) return skip("sender_uses_broken_connection");
    const owner = await db.user.findUnique({ where: { id: reminder.ownerId }, select: { email: true } });
    if (!owner) return skip("no_owner");

    const { record } = await enqueueSystemMessage(db, {
      emailAccountId: sender.id,
      input: {
        to: [owner.email],
        subject: reminder.subject,
        text: `${reminder.body}\n\n${env().APP_URL}/connections\n`,
        // One notification, one e-mail: a retry of this path finds the first row instead of sending again.
        idempotencyKey: `reconnect-reminder:${reminder.notificationId}`,
      },
    });
    return { queued: true, outboundMessageId: record.id };
  } catch (error) {
    logger.warn(
      { err: error, notificationId: reminder.notificationId, emailAccountId: sender?.id },
      "could not queue the reconnect reminder e-mail; the in-app notification stands",
    );
    return { queued: false, reason: "failed" };
  }
}
