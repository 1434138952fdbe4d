import type * as oidc from "openid-client";

export interface ProviderIdentity {
  subject: string | null;
  email: string | null;
  tenantId: string | null;
  objectId: string | null;
}

/** A token response reduced to what we keep. */
export interface ObtainedTokens {
  accessToken: string;
  refreshToken: string | null;
  tokenType: string;
  expiresAt: Date | null;
  scopes: string[];
  identity: ProviderIdentity | null;
}

export function obtainedTokens(
  response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  requestedScopes: string[],
  now = Date.now(),
): ObtainedTokens {
  const claims = response.claims();
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? null,
    // openid-client lower-cases token_type; "Bearer" is the form RFC 6750 and most clients use.
    tokenType: !response.token_type || response.token_type.toLowerCase() === "bearer" ? "Bearer" : response.token_type,
    expiresAt: expiryOf(response.expires_in, now),
    // Providers may grant less than asked; without a `scope` answer, what was asked was granted.
    scopes: response.scope ? response.scope.split(/\s+/).filter(Boolean) : requestedScopes,
    identity: claims
      ? {
          subject: text(claims.sub),
          email: text(claims.email) ?? text(claims.preferred_username),
          tenantId: text(claims.tid),
          objectId: text(claims.oid),
        }
      : null,
  };
}

const LONGEST_EXPIRY_SECONDS = 10 * 365 * 24 * 3600;

/**
 * When a token expires by `expires_in` (seconds). A negative one means now;
 * one too large to be meant (1e308) is capped at ten years; one that is no
 * number at all means the provider did not say.
 */
function expiryOf(expiresIn: unknown, now: number): Date | null {
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn)) return null;
  return new Date(now + Math.min(Math.max(expiresIn, 0), LONGEST_EXPIRY_SECONDS) * 1000);
}

/** For sealing a pending token set in one column (JSON, dates as ISO strings). */
export function serializeTokens(tokens: ObtainedTokens): string {
  return JSON.stringify(tokens);
}

export function deserializeTokens(text: string): ObtainedTokens {
  const value = JSON.parse(text) as Omit<ObtainedTokens, "expiresAt"> & { expiresAt: string | null };
  return { ...value, expiresAt: value.expiresAt ? new Date(value.expiresAt) : null };
}
