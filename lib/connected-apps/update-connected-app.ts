import type { Db } from "#lib/db";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { parseOrThrow } from "#lib/validation";
import { checkEndpointUrls } from "./check-endpoint-urls";
import { sealClientSecret } from "./create-connected-app";
import { getConnectedAppOrThrow } from "./get-connected-app-or-throw";
import { updateConnectedAppInput, type PublicConnectedApp, type UpdateConnectedAppInput } from "./schemas";
import { toPublicConnectedApp } from "./to-public-connected-app";

/**
 * Where the client secret (and users' refresh tokens) are sent: changing any
 * of them drops the stored secret unless the same request gives it again, so
 * an admin account or API key taken over cannot point the app at another
 * host and have the next refresh deliver the secret there.
 */
const SECRET_BEARING_FIELDS = ["openidConfigurationUrl", "issuer", "authorizationUri", "tokenUri", "revocationUri", "userinfoUri", "introspectionUri"] as const;

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
  const before = await getConnectedAppOrThrow(db, id);
  checkEndpointUrls(data);
  const { clientSecret, ...rest } = data;
  const movedEndpoints = SECRET_BEARING_FIELDS.filter((field) => rest[field] !== undefined && (rest[field] ?? null) !== before[field]);
  const dropsSecret = movedEndpoints.length > 0 && clientSecret === undefined && before.clientSecretSealed !== null;
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
      ...(dropsSecret && { clientSecretSealed: null }),
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
      // Where the secret and tokens now go: who moved them, from where to where (URLs, never a secret).
      ...(movedEndpoints.length > 0 && {
        endpoints: Object.fromEntries(movedEndpoints.map((field) => [field, { from: before[field], to: rest[field] ?? null }])),
      }),
      // (A key naming the secret would be dropped from the audit row: lib/audit keeps secrets out by key name.)
      ...(dropsSecret && { storedCredentialDropped: true }),
    },
    ip: actor.ip,
  });
  return toPublicConnectedApp(app);
}
