import * as oidc from "openid-client";
import type { Db } from "#lib/db";
import { appOnlyScopes } from "#lib/connected-apps/app-only-scopes";
import { isComplete, missingInWords } from "#lib/connected-apps/app-completeness";
import { readDiscoveryDocument, configurationUrlFor } from "#lib/connected-apps/discover-provider";
import { getConnectedAppOrThrow } from "#lib/connected-apps/get-connected-app-or-throw";
import { isMultiTenantAuthority } from "#lib/connected-apps/presets";
import { redirectUriFor } from "#lib/connected-apps/redirect-uri";
import { ProviderNetworkError, safeFetch } from "#lib/net/safe-fetch";
import type { ConnectedApp } from "#lib/generated/prisma/client";
import { classifyProviderError } from "./classify-provider-error";
import { providerConfiguration } from "./provider-configuration";

export interface AppCheck {
  /** What was checked, in words. */
  name: string;
  /** ok; failed; or skipped (could not be checked here, with why). */
  result: "ok" | "failed" | "skipped";
  detail: string;
}

/**
 * "Check this app": what can be checked without a user. The configuration
 * document (when there is one) and each endpoint answer; and, where the
 * provider allows the client-credentials grant for the client, the client id
 * and secret are tried (a token is asked for and thrown away). Every failure
 * says what to fix, with the provider's own code (AADSTS…) where it gave one.
 * Nothing is stored, except that an app found working is no longer marked
 * misconfigured.
 */
export async function checkConnectedApp(db: Db, id: string): Promise<AppCheck[]> {
  const app = await getConnectedAppOrThrow(db, id);
  const checks: AppCheck[] = [];
  const missing = missingInWords(app);
  checks.push(
    missing
      ? { name: "Set-up", result: "failed", detail: `Still missing: ${missing}. Users are not offered the app until it has them.` }
      : { name: "Set-up", result: "ok", detail: "The app has a client id and both endpoints." },
  );
  if (app.openidConfigurationUrl) checks.push(await checkDiscovery(app));
  for (const [name, url, method] of [
    ["Authorization endpoint", app.authorizationUri, "GET"],
    ["Token endpoint", app.tokenUri, "POST"],
  ] as const) {
    if (url) checks.push(await checkReachable(name, url, method));
  }
  if (isComplete(app)) {
    const credentials = await checkClientCredentials(app);
    checks.push(credentials);
    if (credentials.result === "ok" && app.status === "misconfigured") {
      await db.connectedApp.update({ where: { id: app.id }, data: { status: "ok", statusMessage: null } });
    }
  }
  return checks;
}

async function checkDiscovery(app: ConnectedApp): Promise<AppCheck> {
  const name = "OpenID configuration";
  try {
    const configurationUrl = configurationUrlFor(app.openidConfigurationUrl!);
    const response = await safeFetch(configurationUrl, { headers: { accept: "application/json" } });
    if (!response.ok) return { name, result: "failed", detail: `${configurationUrl} answered HTTP ${response.status}.` };
    const found = readDiscoveryDocument(configurationUrl, await response.json());
    const differs = (["authorizationUri", "tokenUri"] as const).filter((key) => app[key] && app[key] !== found[key]);
    return differs.length > 0
      ? { name, result: "failed", detail: `The provider now publishes other endpoints (${differs.join(", ")}): get the OpenID configuration again.` }
      : { name, result: "ok", detail: `Published by ${found.issuer}.` };
  } catch (error) {
    return { name, result: "failed", detail: error instanceof Error ? error.message : String(error) };
  }
}

/** An endpoint is reachable when it answers at all: an OAuth error or a redirect is an answer. */
async function checkReachable(name: string, url: string, method: "GET" | "POST"): Promise<AppCheck> {
  try {
    const response = await safeFetch(url, method === "POST" ? { method, headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" } : { method });
    await response.body?.cancel().catch(() => {});
    return response.status >= 500
      ? { name, result: "failed", detail: `${new URL(url).host} answered HTTP ${response.status}: the provider has a problem, or this is not its endpoint.` }
      : { name, result: "ok", detail: `${new URL(url).host} answers.` };
  } catch (error) {
    const detail = error instanceof ProviderNetworkError ? error.message : error instanceof Error ? error.message : String(error);
    return { name, result: "failed", detail: `Not reachable: ${detail}` };
  }
}

async function checkClientCredentials(app: Parameters<typeof providerConfiguration>[0]): Promise<AppCheck> {
  const name = "Client id and secret";
  if (!app.clientSecretSealed) {
    return { name, result: "skipped", detail: "No client secret is saved: a public client relies on PKCE alone. Enter the secret if the provider gave one." };
  }
  if (app.preset === "google") {
    return { name, result: "skipped", detail: "Google offers no client-credentials grant for this kind of client: the secret is checked when the first user connects." };
  }
  if (app.preset === "microsoft" && isMultiTenantAuthority(app.tenant)) {
    return {
      name,
      result: "skipped",
      detail: `The tenant is "${app.tenant ?? "common"}": Microsoft checks a client secret without a user only against one tenant. Enter a tenant id or domain to check it here, or check it by connecting.`,
    };
  }
  try {
    const scopes = appOnlyScopes(app);
    await oidc.clientCredentialsGrant(providerConfiguration(app), scopes.length > 0 ? { scope: scopes.join(" ") } : {});
    return { name, result: "ok", detail: "The provider accepted them (a client-credentials token was issued and thrown away)." };
  } catch (error) {
    const failure = classifyProviderError(error, { redirectUri: redirectUriFor(app.id) });
    if (failure && (failure.code === "unauthorized_client" || failure.code === "unsupported_grant_type")) {
      return { name, result: "skipped", detail: "The provider does not allow the client-credentials grant for this client: the secret is checked when the first user connects." };
    }
    if (failure) return { name, result: "failed", detail: failure.explanation };
    throw error;
  }
}
