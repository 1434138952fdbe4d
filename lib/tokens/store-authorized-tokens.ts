import { randomUUID } from "node:crypto";
import type { Db } from "#lib/db";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { notify } from "#lib/notifications/notify";
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
  if (!tokens.refreshToken && !existing?.refreshTokenSealed) await warnNotRenewable(db, input.connectedAppId, input.userId, tokens.expiresAt);
}

/**
 * The provider granted no refresh token (offline access asked, not granted):
 * the connection works until its access token expires and then cannot be
 * renewed. The user is told at once, not at the silent end.
 */
async function warnNotRenewable(db: Db, connectedAppId: string, userId: string, expiresAt: Date | null): Promise<void> {
  const app = await db.connectedApp.findUniqueOrThrow({ where: { id: connectedAppId }, select: { providerName: true } });
  await notify(db, {
    userId,
    kind: "connection.not_renewable",
    title: `Your ${app.providerName} connection ends ${expiresAt ? `at ${expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : "when its token expires"}`,
    body: `${app.providerName} gave this app no refresh token, so the connection cannot be renewed. Ask your admin to allow offline access (Microsoft: the offline_access scope; Google: access_type=offline and prompt=consent), then reconnect.`,
    link: `/connections#${connectedAppId}`,
  });
}
