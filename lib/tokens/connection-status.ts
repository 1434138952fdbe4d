import type { Db } from "#lib/db";
import { emailOwnerToReconnect } from "#lib/notifications/email-owner";
import { notify, resolveNotifications } from "#lib/notifications/notify";

export const RECONNECT_NOTIFICATION = "connection.needs_reauth";

/**
 * What follows a connection's status change: the owner is told to reconnect
 * (in the app, and by e-mail when a default outgoing account can send it),
 * and told no more once they did. (Mail accounts that depend on the
 * connection pause and resume through the job queue: lib/mail.)
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
      await emailOwnerToReconnect(db, {
        notificationId: notification.id,
        ownerId: row.userId,
        connection: { connectedAppId: row.connectedAppId, userId: row.userId },
        subject: message.title,
        body: message.body,
      });
    }
  } else {
    await resolveNotifications(db, { userId: row.userId, kind: RECONNECT_NOTIFICATION, link });
  }
}
