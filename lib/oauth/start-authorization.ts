import { createHash, randomUUID } from "node:crypto";
import * as oidc from "openid-client";
import type { Db } from "#lib/db";
import { seal } from "#lib/crypto";
import { AppError } from "#lib/errors";
import { assertComplete } from "#lib/connected-apps/app-completeness";
import { getConnectedAppOrThrow } from "#lib/connected-apps/get-connected-app-or-throw";
import { redirectUriFor } from "#lib/connected-apps/redirect-uri";
import { sealedColumnContext, sealedColumns } from "#lib/secrets/sealed-columns";
import { providerConfiguration } from "./provider-configuration";
import { isLocalPath } from "#lib/validation";
import { DEFAULT_SUCCESS_PATH } from "./success-path";

export const AUTH_REQUEST_LIFETIME_MS = 10 * 60 * 1000;
export const verifierColumn = sealedColumns.find((column) => column.column === "code_verifier_sealed")!;

export function hashState(state: string): string {
  return createHash("sha256").update(state).digest("hex");
}

/**
 * Starts "Connect to …": a pending authorization bound to the signed-in user
 * (state stored hashed, PKCE verifier sealed, nonce when openid is asked,
 * 10 minutes, single use) and the provider URL to send the browser to.
 */
export async function startAuthorization(
  db: Db,
  input: { connectedAppId: string; userId: string; successUri?: string },
): Promise<string> {
  if (input.successUri !== undefined && !isLocalPath(input.successUri)) {
    throw new AppError("invalid_success_uri", "successUri must be a path on this site, starting with a single /");
  }
  const app = await getConnectedAppOrThrow(db, input.connectedAppId);
  assertComplete(app);
  const state = oidc.randomState();
  const verifier = app.pkce ? oidc.randomPKCECodeVerifier() : null;
  const nonce = app.scopes.includes("openid") ? oidc.randomNonce() : null;
  const id = randomUUID();
  await db.authRequest.create({
    data: {
      id,
      stateHash: hashState(state),
      codeVerifierSealed: verifier ? seal(verifier, sealedColumnContext(verifierColumn, id)) : null,
      nonce,
      userId: input.userId,
      connectedAppId: app.id,
      successUri: input.successUri ?? DEFAULT_SUCCESS_PATH,
      expiresAt: new Date(Date.now() + AUTH_REQUEST_LIFETIME_MS),
    },
  });
  const parameters: Record<string, string> = {
    ...(app.queryParameters as Record<string, string>),
    redirect_uri: redirectUriFor(app.id),
    response_type: "code",
    scope: app.scopes.join(" "),
    state,
  };
  if (verifier) {
    parameters.code_challenge = await oidc.calculatePKCECodeChallenge(verifier);
    parameters.code_challenge_method = "S256";
  }
  if (nonce) parameters.nonce = nonce;
  return oidc.buildAuthorizationUrl(providerConfiguration(app), parameters).href;
}
