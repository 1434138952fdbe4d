import type { Db } from "#lib/db";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { getConnectedAppOrThrow } from "./get-connected-app-or-throw";

/** Deletes an app with its token cache rows and pending authorizations (cascade). */
export async function deleteConnectedApp(db: Db, id: string, actor: { id: string; ip?: string | null }): Promise<void> {
  const app = await getConnectedAppOrThrow(db, id);
  await db.connectedApp.delete({ where: { id } });
  await recordAuditEvent(db, {
    actorId: actor.id,
    action: "connected_app.delete",
    targetType: "connected_app",
    targetId: id,
    details: { providerName: app.providerName },
    ip: actor.ip,
  });
}
