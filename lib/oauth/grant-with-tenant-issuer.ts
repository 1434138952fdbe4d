import * as oidc from "openid-client";
import type { CompleteConnectedApp } from "#lib/connected-apps/app-completeness";
import { openidClientFetch } from "#lib/net/safe-fetch";
import { providerConfiguration } from "./provider-configuration";
import { hasTenantPlaceholder, isTenantId } from "#lib/connected-apps/tenant-issuer";

/**
 * Runs a token grant (code exchange, refresh) whose answer may carry an ID token.
 *
 * For an app whose issuer has `{tenantid}` (Microsoft's multi-tenant
 * authorities), openid-client would compare `iss` with the template literally
 * (it fills in `tid` only for configurations it discovered itself at
 * login.microsoftonline.com). So: with `tenantHint` (the tenant named by the
 * authorization response's `iss`), the issuer is filled in from the start.
 * Without one, the provider's answer is kept and, when the literal check
 * fails, checked again in full (issuer, audience, nonce, expiry) against the
 * issuer filled in with the answer's `tid`. The provider is asked once either
 * way: the second check reads the kept answer, so a code is never sent twice.
 */
export async function grantWithTenantIssuer<T>(
  app: CompleteConnectedApp,
  grant: (config: oidc.Configuration) => Promise<T>,
  options: { tenantHint?: string | null } = {},
): Promise<T> {
  if (!hasTenantPlaceholder(app.issuer)) return grant(providerConfiguration(app));
  if (options.tenantHint) return grant(providerConfiguration(app, { tenantId: options.tenantHint }));

  let answer: Response | undefined;
  const keepAnswer: oidc.CustomFetch = async (url, init) => {
    const response = await openidClientFetch(url, init);
    answer = response.clone();
    return response;
  };
  try {
    return await grant(providerConfiguration(app, { fetch: keepAnswer }));
  } catch (error) {
    if (!answer || !(error instanceof oidc.ClientError) || error.code !== "OAUTH_JWT_CLAIM_COMPARISON_FAILED") throw error;
    const kept = answer;
    const tenantId = tenantOfIdToken(await kept.clone().text());
    if (!tenantId) throw error;
    return grant(providerConfiguration(app, { tenantId, fetch: async () => kept.clone() }));
  }
}

/**
 * The `tid` claim of the answer's ID token, read without checking anything:
 * it only chooses the issuer that the full check then requires, so a `tid`
 * that does not match the token's `iss` fails that check.
 */
function tenantOfIdToken(body: string): string | null {
  try {
    const idToken = (JSON.parse(body) as { id_token?: unknown }).id_token;
    if (typeof idToken !== "string") return null;
    const payload = JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8")) as { tid?: unknown };
    return isTenantId(payload.tid) ? payload.tid : null;
  } catch {
    return null;
  }
}
