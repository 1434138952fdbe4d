import type { Db } from "#lib/db";
import { logger } from "#lib/logger";
import { notify, resolveNotifications } from "#lib/notifications/notify";
import { reconnectReminderJob } from "#lib/queue/contracts";
import { enqueueJob } from "#lib/queue/enqueue-job";

export const RECONNECT_NOTIFICATION = "connection.needs_reauth";

/**
 * What follows a connection's status change: the owner is told to reconnect
 * (in the app, and by e-mail through the reconnect-reminder job, which the
 * worker runs with lib/outbound), and told no more once they did. Mail
 * accounts that depend on the connection pause and resume on the worker's
 * heartbeat (lib/mail/follow-connection-status.ts): the token cache knows
 * nothing of mail.
 */
export async function publishConnectionStatus(
  db: Db,
  change: { tokenCacheId: string; status: "active" | "needs_reauth" | "disconnected"; previous: string; reason?: string },
): Promise<void> {
  const row = await db.tokenCache.findUnique({ where: { id: change.tokenCacheId }, include: { connectedApp: true } });
  if (!row?.userId) return;
  const link = `/connections#${row.connectedAppId}`;
  if (change.status === "needs_reauth") {
    const message = {
      title: `Reconnect your ${row.connectedApp.providerName} account`,
      body: `${row.connectedApp.providerName} no longer accepts this app's access${row.providerEmail ? ` to ${row.providerEmail}` : ""}${change.reason ? ` (${change.reason})` : ""}. Open My connections and click Reconnect.`,
    };
    const notification = await notify(db, { userId: row.userId, kind: RECONNECT_NOTIFICATION, ...message, link });
    // Only a new notification is e-mailed: a repeat failure while the first is unread refreshes it silently.
    if (notification.created) {
      const reminder = {
        notificationId: notification.id,
        ownerId: row.userId,
        connection: { connectedAppId: row.connectedAppId, userId: row.userId },
        subject: message.title,
        body: message.body,
      };
      // The caller is the token path, which must answer needs_reauth whatever
      // happens to the e-mail; the in-app notification already tells the user.
      await enqueueJob(reconnectReminderJob, reminder).catch((error: unknown) =>
        logger.warn({ err: error, notificationId: notification.id }, "could not queue the reconnect reminder e-mail; the in-app notification stands"),
      );
    }
  } else {
    await resolveNotifications(db, { userId: row.userId, kind: RECONNECT_NOTIFICATION, link });
  }
}
