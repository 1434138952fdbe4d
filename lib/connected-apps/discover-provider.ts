import { z } from "zod";
import { AppError } from "#lib/errors";
import { ProviderNetworkError, safeFetch } from "#lib/net/safe-fetch";
import { hasTenantPlaceholder, tenantInIssuer } from "./tenant-issuer";

export interface DiscoveredProvider {
  issuer: string;
  authorizationUri: string;
  tokenUri: string;
  revocationUri: string | null;
  userinfoUri: string | null;
  introspectionUri: string | null;
  scopesSupported: string[];
  tokenEndpointAuthMethods: string[];
}

// Endpoints are http(s) URLs (safeFetch refuses plain http to hosts not in INSECURE_OAUTH_HOSTS):
// a document naming javascript: or file: endpoints is not an OpenID configuration.
const endpoint = z.url({ protocol: /^https?$/ }).max(2000);
const discoveryDocument = z.object({
  issuer: z.string().min(1).max(2000),
  authorization_endpoint: endpoint,
  token_endpoint: endpoint,
  revocation_endpoint: endpoint.optional(),
  userinfo_endpoint: endpoint.optional(),
  introspection_endpoint: endpoint.optional(),
  scopes_supported: z.array(z.string().max(500)).max(500).optional(),
  token_endpoint_auth_methods_supported: z.array(z.string().max(100)).max(50).optional(),
});

const WELL_KNOWN = "/.well-known/openid-configuration";

/** Accepts the configuration URL itself or the issuer URL it belongs to. */
export function configurationUrlFor(url: string): URL {
  const parsed = new URL(url);
  if (!parsed.pathname.includes("/.well-known/")) {
    parsed.pathname = `${parsed.pathname.replace(/\/+$/, "")}${WELL_KNOWN}`;
  }
  return parsed;
}

/**
 * The issuer must be the configuration URL without the well-known suffix
 * (OpenID Connect Discovery 4.3). Microsoft's multi-tenant documents publish
 * `{tenantid}` in place of the tenant: any one path segment matches it.
 */
export function issuerMatches(issuer: string, configurationUrl: URL): boolean {
  const expected = configurationUrl.toString().replace(WELL_KNOWN, "").replace(/\/+$/, "");
  const given = issuer.replace(/\/+$/, "");
  return hasTenantPlaceholder(given) ? tenantInIssuer(given, expected) !== null : given === expected;
}

/** Fetches and checks an OpenID Provider's configuration document. */
export async function discoverProvider(url: string): Promise<DiscoveredProvider> {
  const configurationUrl = configurationUrlFor(url);
  const host = configurationUrl.host;
  let response: Response;
  try {
    response = await safeFetch(configurationUrl, { headers: { accept: "application/json" } });
  } catch (error) {
    if (error instanceof ProviderNetworkError) {
      if (error.reason === "blocked_address" || error.reason === "insecure_url") {
        throw new AppError("validation_failed", error.message, [{ path: "url", message: error.message }]);
      }
      throw new AppError("provider_unavailable", `Could not fetch the OpenID configuration from ${host}: ${error.message}`);
    }
    throw error;
  }
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get("location");
    throw new AppError(
      "provider_error",
      `${configurationUrl} redirects${location ? ` to ${location}` : ""}; enter the final URL instead`,
    );
  }
  if (!response.ok) {
    throw new AppError("provider_error", `${host} answered HTTP ${response.status} for ${configurationUrl}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new AppError("provider_error", `${configurationUrl} did not return JSON: is it an OpenID configuration URL?`);
  }
  return readDiscoveryDocument(configurationUrl, body);
}

/** Checks a configuration document fetched from `configurationUrl` (OpenID Connect Discovery 1.0, section 3 and 4.3). */
export function readDiscoveryDocument(configurationUrl: URL, body: unknown): DiscoveredProvider {
  const parsed = discoveryDocument.safeParse(body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".")))].join(", ");
    throw new AppError("provider_error", `The document at ${configurationUrl} is not a valid OpenID configuration (bad or missing: ${fields})`);
  }
  const document = parsed.data;
  if (!issuerMatches(document.issuer, configurationUrl)) {
    throw new AppError(
      "provider_error",
      `The document at ${configurationUrl} names the issuer ${document.issuer}, which does not match its URL: a wrong or spoofed configuration`,
    );
  }
  return {
    issuer: document.issuer,
    authorizationUri: document.authorization_endpoint,
    tokenUri: document.token_endpoint,
    revocationUri: document.revocation_endpoint ?? null,
    userinfoUri: document.userinfo_endpoint ?? null,
    introspectionUri: document.introspection_endpoint ?? null,
    scopesSupported: document.scopes_supported ?? [],
    tokenEndpointAuthMethods: document.token_endpoint_auth_methods_supported ?? [],
  };
}
