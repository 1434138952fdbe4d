import * as oidc from "openid-client";
import { open } from "#lib/crypto";
import type { CompleteConnectedApp } from "#lib/connected-apps/app-completeness";
import { openidClientFetch } from "#lib/net/safe-fetch";
import { sealedColumnContext } from "#lib/secrets/sealed-columns";
import { clientSecretColumn } from "#lib/connected-apps/create-connected-app";
import { TENANT_PLACEHOLDER } from "#lib/connected-apps/tenant-issuer";

/** Provider calls give up after 10 s: shorter than the 30 s refresh lease. */
export const PROVIDER_TIMEOUT_SECONDS = 10;

/**
 * openid-client's view of a Connected App: endpoints as the admin saved them
 * (no discovery round-trip per call), the client secret opened here and
 * nowhere else, and every request through the address-checking fetch.
 * `tenantId` fills an issuer's `{tenantid}`; `fetch` replaces the network
 * (see grantWithTenantIssuer).
 */
export function providerConfiguration(
  app: CompleteConnectedApp,
  options: { tenantId?: string; fetch?: oidc.CustomFetch } = {},
): oidc.Configuration {
  const secret = app.clientSecretSealed ? open(app.clientSecretSealed, sealedColumnContext(clientSecretColumn, app.id)) : null;
  const authentication = !secret
    ? oidc.None()
    : app.tokenEndpointAuthMethod === "client_secret_post"
      ? oidc.ClientSecretPost(secret)
      : oidc.ClientSecretBasic(secret);
  const config = new oidc.Configuration(
    {
      // Without discovery there is no issuer to check ID tokens against; the
      // token endpoint's origin stands in (an ID token from another issuer fails).
      issuer: app.issuer
        ? options.tenantId
          ? app.issuer.replaceAll(TENANT_PLACEHOLDER, options.tenantId)
          : app.issuer
        : new URL(app.tokenUri).origin,
      authorization_endpoint: app.authorizationUri,
      token_endpoint: app.tokenUri,
      revocation_endpoint: app.revocationUri ?? undefined,
      userinfo_endpoint: app.userinfoUri ?? undefined,
      introspection_endpoint: app.introspectionUri ?? undefined,
    },
    app.clientId,
    undefined,
    authentication,
  );
  config.timeout = PROVIDER_TIMEOUT_SECONDS;
  config[oidc.customFetch] = options.fetch ?? openidClientFetch;
  // Plain http only reaches hosts in INSECURE_OAUTH_HOSTS: safeFetch refuses the rest.
  const endpoints = [app.authorizationUri, app.tokenUri, app.revocationUri, app.introspectionUri];
  if (endpoints.some((endpoint) => endpoint?.startsWith("http:"))) oidc.allowInsecureRequests(config);
  return config;
}
