import type { Db } from "#lib/db";
import { exchangeAuthorizationCode } from "#lib/oauth/exchange-authorization-code";
import { sealPendingTokens } from "./token-columns";
import { storeAuthorizedTokens } from "./store-authorized-tokens";

/**
 * The Redirect URI's work: the protocol checks and the code exchange
 * (lib/oauth), then the tokens go into the cache, or are parked when another
 * provider account consented than the one connected before (the user
 * confirms the switch: confirm-identity-switch.ts). Returns where to send the
 * browser. A refused answer throws CallbackError and stores nothing.
 */
export async function completeConnection(
  db: Db,
  input: { connectedAppId: string; userId: string | null; callbackParams: URLSearchParams; ip?: string | null },
): Promise<string> {
  const { authRequestId, successPath, tokens } = await exchangeAuthorizationCode(db, input);
  // exchangeAuthorizationCode has checked that the answer belongs to this signed-in user.
  const userId = input.userId!;
  const existing = await db.tokenCache.findUnique({
    where: { connectedAppId_principalKey: { connectedAppId: input.connectedAppId, principalKey: userId } },
  });
  const newSubject = tokens.identity?.subject;
  if (existing?.providerSubject && newSubject && existing.providerSubject !== newSubject) {
    await db.authRequest.update({
      where: { id: authRequestId },
      data: { pendingTokensSealed: sealPendingTokens(authRequestId, tokens) },
    });
    return `/connections/confirm/${authRequestId}`;
  }
  await storeAuthorizedTokens(db, { connectedAppId: input.connectedAppId, userId, tokens, ip: input.ip });
  return successPath;
}
