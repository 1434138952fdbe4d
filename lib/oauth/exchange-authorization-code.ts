import * as oidc from "openid-client";
import type { Db } from "#lib/db";
import { open } from "#lib/crypto";
import { logger } from "#lib/logger";
import type { ConnectedApp } from "#lib/generated/prisma/client";
import { assertComplete, type CompleteConnectedApp } from "#lib/connected-apps/app-completeness";
import { getConnectedAppOrThrow } from "#lib/connected-apps/get-connected-app-or-throw";
import { markAppMisconfigured } from "#lib/connected-apps/mark-app-misconfigured";
import { redirectUriFor } from "#lib/connected-apps/redirect-uri";
import { sealedColumnContext } from "#lib/secrets/sealed-columns";
import { obtainedTokens, type ObtainedTokens } from "./obtained-tokens";
import { grantWithTenantIssuer } from "./grant-with-tenant-issuer";
import { hasTenantPlaceholder, tenantInIssuer } from "#lib/connected-apps/tenant-issuer";
import { hashState, verifierColumn } from "./start-authorization";
import { isLocalPath } from "#lib/validation";
import { DEFAULT_SUCCESS_PATH } from "./success-path";
import { aadstsCode } from "./explain-provider-error";
import { classifyProviderError } from "./classify-provider-error";
import { CallbackError } from "./callback-error";

/** A callback whose state checked out and whose code the provider exchanged. */
export interface ExchangedAuthorization {
  /** The AuthRequest row the answer belongs to (used, so never again). */
  authRequestId: string;
  /** Where the user goes next: the success path the flow started with, when it is a path on this site. */
  successPath: string;
  tokens: ObtainedTokens;
}

/**
 * The protocol half of the Redirect URI: checks state (known, this app,
 * unused, unexpired, this user), exchanges the code with the PKCE verifier
 * and lets openid-client check the ID token (issuer, audience, nonce,
 * expiry). Stores nothing: lib/tokens/complete-connection.ts decides what
 * becomes of the tokens.
 */
export async function exchangeAuthorizationCode(
  db: Db,
  input: { connectedAppId: string; userId: string | null; callbackParams: URLSearchParams },
): Promise<ExchangedAuthorization> {
  // The Redirect URI as registered, with the provider's answer: openid-client
  // derives the token request's redirect_uri from it, and the URL this
  // request reached us on may differ (a proxy, localhost vs 127.0.0.1).
  const callbackUrl = new URL(redirectUriFor(input.connectedAppId));
  callbackUrl.search = input.callbackParams.toString();
  const state = callbackUrl.searchParams.get("state");
  if (!state) throw new CallbackError("missing_state", "The provider's answer has no state parameter");
  const request = await db.authRequest.findUnique({ where: { stateHash: hashState(state) } });
  if (!request || request.connectedAppId !== input.connectedAppId) {
    throw new CallbackError("unknown_state", "This answer does not belong to a connection started here");
  }
  // Single use, even when a check below fails: a replayed answer finds it used.
  const { count } = await db.authRequest.updateMany({ where: { id: request.id, usedAt: null }, data: { usedAt: new Date() } });
  if (count === 0) throw new CallbackError("state_used", "This answer was already used");
  if (request.expiresAt.getTime() < Date.now()) throw new CallbackError("state_expired", "The connection attempt expired (10 minutes)");
  if (!input.userId) throw new CallbackError("not_signed_in", "Sign in before connecting an account");
  if (request.userId !== input.userId) {
    throw new CallbackError("wrong_user", "This connection was started by another user of this app");
  }

  try {
    const providerError = callbackUrl.searchParams.get("error");
    if (providerError) {
      const description = callbackUrl.searchParams.get("error_description");
      logger.info({ connectedAppId: input.connectedAppId, providerError, description }, "provider refused the authorization");
      throw new CallbackError("provider_error", "The provider refused the authorization", {
        code: providerError.replace(/[^a-z_]/g, "").slice(0, 50),
        aadsts: aadstsCode(description),
      });
    }

    const app = await getConnectedAppOrThrow(db, input.connectedAppId);
    assertComplete(app);
    const tokens = await exchangeCode(db, app, request, callbackUrl, state);
    return {
      authRequestId: request.id,
      successPath: isLocalPath(request.successUri) ? request.successUri : DEFAULT_SUCCESS_PATH,
      tokens,
    };
  } catch (error) {
    if (error instanceof CallbackError) await recordFailure(db, request.id, error);
    throw error;
  }
}

/**
 * Keeps why the answer to a request of this user was refused, on the request,
 * and names the request on the error: the connections page explains the
 * failure from this record (getAuthorizationFailure), never from its URL.
 */
async function recordFailure(db: Db, authRequestId: string, error: CallbackError): Promise<void> {
  await db.authRequest.update({
    where: { id: authRequestId },
    data: { failureCode: error.code, providerError: error.providerError?.code ?? null, providerAadsts: error.providerError?.aadsts ?? null },
  });
  error.authRequestId = authRequestId;
}

/** A failed authorization of this user, as recorded; null for anyone else's or an unknown id. */
export async function getAuthorizationFailure(
  db: Db,
  authRequestId: string,
  userId: string,
): Promise<{ connectedAppId: string; code: string; providerError: string | null; aadsts: string | null } | null> {
  const request = await db.authRequest.findUnique({ where: { id: authRequestId } });
  if (!request || request.userId !== userId || !request.failureCode) return null;
  return { connectedAppId: request.connectedAppId, code: request.failureCode, providerError: request.providerError, aadsts: request.providerAadsts };
}

/** A `{tenantid}` issuer's tenant, from the authorization response's `iss` (RFC 9207) when the provider sends one. */
function tenantHintOf(app: ConnectedApp, callbackUrl: URL): string | null {
  const iss = callbackUrl.searchParams.get("iss");
  return app.issuer && iss && hasTenantPlaceholder(app.issuer) ? tenantInIssuer(app.issuer, iss) : null;
}

async function exchangeCode(
  db: Db,
  app: CompleteConnectedApp,
  request: { id: string; codeVerifierSealed: string | null; nonce: string | null },
  callbackUrl: URL,
  state: string,
): Promise<ObtainedTokens> {
  const verifier = request.codeVerifierSealed
    ? open(request.codeVerifierSealed, sealedColumnContext(verifierColumn, request.id))
    : undefined;
  try {
    const response = await grantWithTenantIssuer(app, (config) =>
      oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: request.nonce ?? undefined,
        idTokenExpected: request.nonce !== null,
      }),
      { tenantHint: tenantHintOf(app, callbackUrl) },
    );
    return obtainedTokens(response, app.scopes);
  } catch (error) {
    // The provider refused the app's own credentials: the app is misconfigured, as a refresh would find.
    const failure = classifyProviderError(error, { redirectUri: redirectUriFor(app.id) });
    if (failure?.kind === "misconfigured" && (failure.code === "invalid_client" || failure.code === "unauthorized_client")) {
      logger.warn({ connectedAppId: app.id, providerError: failure.code }, "code exchange refused the app's credentials");
      await markAppMisconfigured(db, app, failure.explanation);
      throw new CallbackError("exchange_failed", "The provider refused the app's client credentials", {
        code: failure.code,
        aadsts: error instanceof oidc.ResponseBodyError ? aadstsCode(error.error_description) : null,
      });
    }
    if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
      logger.warn({ connectedAppId: app.id, providerError: error.error, description: error.error_description }, "code exchange refused");
      throw new CallbackError("exchange_failed", "The provider refused to exchange the authorization code", {
        code: error.error,
        aadsts: aadstsCode(error.error_description),
      });
    }
    if (error instanceof oidc.ClientError) {
      logger.warn({ connectedAppId: app.id, code: error.code, message: error.message }, "ID token or response check failed");
      throw new CallbackError("id_token_invalid", `The provider's answer failed a check (${error.code ?? "invalid"})`);
    }
    throw error;
  }
}
