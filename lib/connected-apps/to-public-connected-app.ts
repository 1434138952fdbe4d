import type { ConnectedApp } from "#lib/generated/prisma/client";
import { appStatus, missingForFlows } from "./app-completeness";
import { microsoftAdminConsentUrl } from "./presets";
import { redirectUriFor } from "./redirect-uri";
import type { PublicConnectedApp } from "./schemas";

export const SECRET_EXPIRY_WARNING_DAYS = 30;

export function clientSecretExpiresSoon(expiresAt: Date | null, now = new Date()): boolean {
  return Boolean(expiresAt && expiresAt.getTime() - now.getTime() < SECRET_EXPIRY_WARNING_DAYS * 86_400_000);
}

export function toPublicConnectedApp(app: ConnectedApp): PublicConnectedApp {
  const redirectUri = redirectUriFor(app.id);
  return {
    id: app.id,
    providerName: app.providerName,
    preset: app.preset,
    tenant: app.tenant,
    openidConfigurationUrl: app.openidConfigurationUrl,
    issuer: app.issuer,
    authorizationUri: app.authorizationUri,
    tokenUri: app.tokenUri,
    revocationUri: app.revocationUri,
    userinfoUri: app.userinfoUri,
    introspectionUri: app.introspectionUri,
    clientId: app.clientId,
    clientSecretSet: app.clientSecretSealed !== null,
    clientSecretExpiresAt: app.clientSecretExpiresAt?.toISOString() ?? null,
    clientSecretExpiresSoon: clientSecretExpiresSoon(app.clientSecretExpiresAt),
    tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
    scopes: app.scopes,
    queryParameters: app.queryParameters as Record<string, string>,
    pkce: app.pkce,
    status: appStatus(app),
    missing: missingForFlows(app),
    statusMessage: app.statusMessage,
    redirectUri,
    adminConsentUrl:
      app.preset === "microsoft" && app.tenant && app.clientId ? microsoftAdminConsentUrl(app.tenant, app.clientId, redirectUri) : null,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}
