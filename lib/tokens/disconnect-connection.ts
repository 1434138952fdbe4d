import * as oidc from "openid-client";
import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { logger } from "#lib/logger";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { isComplete } from "#lib/connected-apps/app-completeness";
import { getConnectedAppOrThrow } from "#lib/connected-apps/get-connected-app-or-throw";
import { providerConfiguration } from "#lib/oauth/provider-configuration";
import { publishConnectionStatus } from "./connection-status";
import { openAccessToken, openRefreshToken } from "./token-columns";

export interface DisconnectResult {
  status: "disconnected";
  revokedAtProvider: boolean;
  /** What the user should still do at the provider, when we could not revoke there. */
  message: string;
}

const MANAGE_ACCESS: Record<string, string> = {
  google: "https://myaccount.google.com/permissions",
  microsoft: "https://myapps.microsoft.com",
};

/**
 * Disconnect: revoke at the provider when it has a revocation endpoint,
 * erase the tokens, keep the row as `disconnected` for the UI and the audit.
 */
export async function disconnectConnection(
  db: Db,
  input: { connectedAppId: string; userId: string; actorId: string; ip?: string | null },
): Promise<DisconnectResult> {
  const app = await getConnectedAppOrThrow(db, input.connectedAppId);
  const row = await db.tokenCache.findUnique({
    where: { connectedAppId_principalKey: { connectedAppId: app.id, principalKey: input.userId } },
  });
  if (!row || row.status === "disconnected") throw new AppError("not_connected", "This account is not connected");

  let revokedAtProvider = false;
  let revocationFailed = false;
  if (app.revocationUri && isComplete(app)) {
    try {
      const config = providerConfiguration(app);
      // Revoking the refresh token ends the grant; the access token too, for providers that keep them apart.
      if (row.refreshTokenSealed) {
        await oidc.tokenRevocation(config, openRefreshToken(row.id, row.refreshTokenSealed), { token_type_hint: "refresh_token" });
      }
      if (row.accessTokenSealed) {
        await oidc.tokenRevocation(config, openAccessToken(row.id, row.accessTokenSealed), { token_type_hint: "access_token" });
      }
      revokedAtProvider = true;
    } catch (error) {
      logger.warn({ connectedAppId: app.id, err: error instanceof Error ? error.message : String(error) }, "revocation failed");
      revocationFailed = true;
    }
  }

  await db.tokenCache.update({
    where: { id: row.id },
    data: {
      accessTokenSealed: null,
      refreshTokenSealed: null,
      expiresAt: null,
      status: "disconnected",
      lastError: null,
      refreshingUntil: null,
      version: { increment: 1 },
    },
  });
  await recordAuditEvent(db, {
    actorId: input.actorId,
    action: "connection.disconnect",
    targetType: "token_cache",
    targetId: row.id,
    details: { connectedAppId: app.id, userId: input.userId, revokedAtProvider },
    ip: input.ip,
  });
  await publishConnectionStatus(db, { tokenCacheId: row.id, status: "disconnected", previous: row.status });

  return { status: "disconnected", revokedAtProvider, message: disconnectMessage(app, revokedAtProvider, revocationFailed) };
}

/** What the user reads after a disconnect: done, or what is left to do at the provider. */
export function disconnectMessage(
  app: { providerName: string; preset: string; revocationUri: string | null },
  revokedAtProvider: boolean,
  revocationFailed = false,
): string {
  if (revokedAtProvider) return `Disconnected, and ${app.providerName} revoked this app's access.`;
  const manage = MANAGE_ACCESS[app.preset];
  const reason = revocationFailed
    ? `${app.providerName} could not be reached to revoke the access`
    : `${app.providerName} offers no way for apps to revoke access`;
  return `Disconnected here; the tokens are erased. ${reason}: remove this app's access yourself${manage ? ` at ${manage}` : " in your account settings at the provider"}.`;
}
