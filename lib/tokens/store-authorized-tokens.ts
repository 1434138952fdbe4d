import { randomUUID } from "node:crypto";
import type { Db } from "#lib/db";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import type { ObtainedTokens } from "#lib/oauth/obtained-tokens";
import { sealAccessToken, sealRefreshToken } from "./token-columns";
import { publishConnectionStatus } from "./connection-status";

/**
 * Stores the tokens of a (re)connection in the one row of (app, user):
 * reconnecting updates it in place, so whatever depends on the connection
 * (mail accounts) keeps pointing at it and resumes.
 */
export async function storeAuthorizedTokens(
  db: Db,
  input: { connectedAppId: string; userId: string; tokens: ObtainedTokens; ip?: string | null },
): Promise<void> {
  const { tokens } = input;
  const existing = await db.tokenCache.findUnique({
    where: { connectedAppId_principalKey: { connectedAppId: input.connectedAppId, principalKey: input.userId } },
  });
  const id = existing?.id ?? randomUUID();
  const fields = {
    accessTokenSealed: sealAccessToken(id, tokens.accessToken),
    // Providers that return no refresh token on a repeated consent (Google
    // without prompt=consent) leave the one we have valid: keep it.
    ...(tokens.refreshToken ? { refreshTokenSealed: sealRefreshToken(id, tokens.refreshToken) } : {}),
    tokenType: tokens.tokenType,
    scopes: tokens.scopes,
    expiresAt: tokens.expiresAt,
    ...(tokens.identity && {
      providerSubject: tokens.identity.subject,
      providerEmail: tokens.identity.email,
      providerTenantId: tokens.identity.tenantId,
      providerObjectId: tokens.identity.objectId,
    }),
    status: "active" as const,
    lastError: null,
    lastRefreshedAt: new Date(),
    consecutiveFailures: 0,
    refreshingUntil: null,
  };
  if (existing) {
    await db.tokenCache.update({ where: { id }, data: { ...fields, version: { increment: 1 } } });
  } else {
    await db.tokenCache.create({
      data: { id, connectedAppId: input.connectedAppId, userId: input.userId, principalKey: input.userId, ...fields },
    });
  }
  await recordAuditEvent(db, {
    actorId: input.userId,
    action: existing ? "connection.reconnect" : "connection.connect",
    targetType: "token_cache",
    targetId: id,
    details: { connectedAppId: input.connectedAppId, providerEmail: tokens.identity?.email ?? undefined, scopes: tokens.scopes },
    ip: input.ip,
  });
  if (existing && existing.status !== "active") {
    await publishConnectionStatus(db, { tokenCacheId: id, status: "active", previous: existing.status });
  }
}
