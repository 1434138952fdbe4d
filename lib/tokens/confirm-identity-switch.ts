import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import { AUTH_REQUEST_LIFETIME_MS } from "#lib/oauth/start-authorization";
import { storeAuthorizedTokens } from "./store-authorized-tokens";
import { openPendingTokens } from "./token-columns";

export interface PendingIdentitySwitch {
  authRequestId: string;
  connectedAppId: string;
  providerName: string;
  previousEmail: string | null;
  previousSubject: string | null;
  newEmail: string | null;
  newSubject: string | null;
}

async function pendingRequestOrThrow(db: Db, authRequestId: string, userId: string) {
  const request = await db.authRequest.findUnique({ where: { id: authRequestId }, include: { connectedApp: true } });
  if (!request || request.userId !== userId || !request.pendingTokensSealed) {
    throw new AppError("not_found", "No connection is waiting for your confirmation");
  }
  if (request.createdAt.getTime() + 2 * AUTH_REQUEST_LIFETIME_MS < Date.now()) {
    throw new AppError("not_found", "The confirmation expired: connect again");
  }
  return request;
}

/** What the confirmation page shows: the account connected before and the one that consented now. */
export async function getPendingIdentitySwitch(db: Db, authRequestId: string, userId: string): Promise<PendingIdentitySwitch> {
  const request = await pendingRequestOrThrow(db, authRequestId, userId);
  const tokens = openPendingTokens(request.id, request.pendingTokensSealed!);
  const existing = await db.tokenCache.findUnique({
    where: { connectedAppId_principalKey: { connectedAppId: request.connectedAppId, principalKey: userId } },
  });
  return {
    authRequestId: request.id,
    connectedAppId: request.connectedAppId,
    providerName: request.connectedApp.providerName,
    previousEmail: existing?.providerEmail ?? null,
    previousSubject: existing?.providerSubject ?? null,
    newEmail: tokens.identity?.email ?? null,
    newSubject: tokens.identity?.subject ?? null,
  };
}

/** Accept: the connection now uses the new account. Decline: the new tokens are dropped. */
export async function resolveIdentitySwitch(
  db: Db,
  input: { authRequestId: string; userId: string; accept: boolean; ip?: string | null },
): Promise<void> {
  const request = await pendingRequestOrThrow(db, input.authRequestId, input.userId);
  const tokens = openPendingTokens(request.id, request.pendingTokensSealed!);
  await db.authRequest.update({ where: { id: request.id }, data: { pendingTokensSealed: null } });
  if (input.accept) {
    await storeAuthorizedTokens(db, { connectedAppId: request.connectedAppId, userId: input.userId, tokens, ip: input.ip });
  }
  await recordAuditEvent(db, {
    actorId: input.userId,
    action: input.accept ? "connection.identity_switch_accepted" : "connection.identity_switch_declined",
    targetType: "connected_app",
    targetId: request.connectedAppId,
    details: { newEmail: tokens.identity?.email ?? undefined },
    ip: input.ip,
  });
}
