import type { Db } from "#lib/db";
import { notifyAdmins } from "#lib/notifications/notify";
import { SECRET_EXPIRY_WARNING_DAYS } from "./to-public-connected-app";

/** Tells admins, once per app until read, that a client secret expires within 30 days (Entra secrets do). */
export async function warnExpiringSecrets(db: Db, now = new Date()): Promise<number> {
  const apps = await db.connectedApp.findMany({
    where: { clientSecretExpiresAt: { lt: new Date(now.getTime() + SECRET_EXPIRY_WARNING_DAYS * 86_400_000) } },
  });
  for (const app of apps) {
    const expired = app.clientSecretExpiresAt! < now;
    await notifyAdmins(db, {
      kind: "connected_app.secret_expiring",
      title: `The client secret of ${app.providerName} ${expired ? "has expired" : "expires soon"}`,
      body: `It ${expired ? "expired" : "expires"} on ${app.clientSecretExpiresAt!.toISOString().slice(0, 10)}. Create a new secret at the provider and paste its value into the Connected App before then, or every connection stops refreshing.`,
      link: `/admin/connected-apps/${app.id}`,
    });
  }
  return apps.length;
}
