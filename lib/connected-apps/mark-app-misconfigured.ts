import type { Db } from "#lib/db";
import type { ConnectedApp } from "#lib/generated/prisma/client";
import { notifyAdmins } from "#lib/notifications/notify";

/**
 * The provider refused the app's own credentials (invalid_client, at a code
 * exchange or a refresh): the app's fault, not a user's. The app turns
 * misconfigured in one conditional update, and only the call that turned it
 * tells the admins (many users' calls failing at once tell them once).
 */
export async function markAppMisconfigured(db: Db, app: Pick<ConnectedApp, "id" | "providerName">, explanation: string): Promise<void> {
  const turned = await db.connectedApp.updateMany({ where: { id: app.id, status: { not: "misconfigured" } }, data: { status: "misconfigured", statusMessage: explanation } });
  if (turned.count === 0) {
    await db.connectedApp.update({ where: { id: app.id }, data: { statusMessage: explanation } });
    return;
  }
  await notifyAdmins(db, {
    kind: "connected_app.misconfigured",
    title: `${app.providerName} rejects this app's credentials`,
    body: explanation,
    link: `/admin/connected-apps/${app.id}`,
  });
}
