import type { Db } from "#lib/db";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { parseOrThrow } from "#lib/validation";
import { checkEndpointUrls } from "./check-endpoint-urls";
import { sealClientSecret } from "./create-connected-app";
import { getConnectedAppOrThrow } from "./get-connected-app-or-throw";
import { updateConnectedAppInput, type PublicConnectedApp, type UpdateConnectedAppInput } from "./schemas";
import { toPublicConnectedApp } from "./to-public-connected-app";

/**
 * Changes an app. A change of client id, secret, endpoints or auth method
 * clears the `misconfigured` status: the admin fixed something, let the next
 * token call tell whether it works.
 */
export async function updateConnectedApp(
  db: Db,
  id: string,
  input: UpdateConnectedAppInput,
  actor: { id: string; ip?: string | null },
): Promise<PublicConnectedApp> {
  const data = parseOrThrow(updateConnectedAppInput, input);
  await getConnectedAppOrThrow(db, id);
  checkEndpointUrls(data);
  const { clientSecret, ...rest } = data;
  const credentialsChanged = ["clientId", "tokenUri", "tokenEndpointAuthMethod", "authorizationUri"].some(
    (field) => rest[field as keyof typeof rest] !== undefined,
  ) || clientSecret !== undefined;
  const app = await db.connectedApp.update({
    where: { id },
    data: {
      ...rest,
      ...(clientSecret !== undefined && {
        clientSecretSealed: clientSecret === null ? null : sealClientSecret(id, clientSecret),
      }),
      ...(credentialsChanged && { status: "ok", statusMessage: null }),
    },
  });
  await recordAuditEvent(db, {
    actorId: actor.id,
    action: "connected_app.update",
    targetType: "connected_app",
    targetId: id,
    details: {
      changed: [...Object.keys(rest).filter((key) => rest[key as keyof typeof rest] !== undefined), ...(clientSecret !== undefined ? ["client secret"] : [])],
    },
    ip: actor.ip,
  });
  return toPublicConnectedApp(app);
}
