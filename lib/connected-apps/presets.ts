/**
 * Provider presets: sensible values filled without any network call
 * (what Microsoft and Google document for IMAP and SMTP). The admin can change every field afterwards.
 */

export const MICROSOFT_MAIL_SCOPES = [
  "openid",
  "email",
  "offline_access",
  "https://outlook.office.com/IMAP.AccessAsUser.All",
  "https://outlook.office.com/SMTP.Send",
];

/** Scope of an app-only (client-credentials) token for Exchange Online IMAP/SMTP. */
export const MICROSOFT_APP_ONLY_SCOPE = "https://outlook.office365.com/.default";

const MULTI_TENANT = new Set(["common", "organizations", "consumers"]);

export interface PresetValues {
  providerName: string;
  openidConfigurationUrl: string | null;
  issuer: string | null;
  authorizationUri: string;
  tokenUri: string;
  revocationUri: string | null;
  userinfoUri: string | null;
  introspectionUri: string | null;
  scopes: string[];
  queryParameters: Record<string, string>;
  tokenEndpointAuthMethod: "client_secret_basic" | "client_secret_post";
}

export function googlePreset(): PresetValues {
  return {
    providerName: "Google",
    openidConfigurationUrl: "https://accounts.google.com/.well-known/openid-configuration",
    issuer: "https://accounts.google.com",
    authorizationUri: "https://accounts.google.com/o/oauth2/v2/auth",
    tokenUri: "https://oauth2.googleapis.com/token",
    revocationUri: "https://oauth2.googleapis.com/revoke",
    userinfoUri: "https://openidconnect.googleapis.com/v1/userinfo",
    introspectionUri: null,
    scopes: ["openid", "email", "https://mail.google.com/"],
    // A refresh token comes only with access_type=offline, and only on the
    // first consent unless prompt=consent asks again.
    queryParameters: { access_type: "offline", prompt: "consent" },
    tokenEndpointAuthMethod: "client_secret_post",
  };
}

/** Microsoft Entra ID: tenant is an id, a domain, or common / organizations / consumers. */
export function microsoftPreset(tenant: string): PresetValues {
  const base = `https://login.microsoftonline.com/${encodeURIComponent(tenant)}`;
  return {
    providerName: "Microsoft 365",
    openidConfigurationUrl: `${base}/v2.0/.well-known/openid-configuration`,
    // Multi-tenant authorities publish this placeholder; the ID token's tid replaces it.
    issuer: `https://login.microsoftonline.com/${MULTI_TENANT.has(tenant) ? "{tenantid}" : tenant}/v2.0`,
    authorizationUri: `${base}/oauth2/v2.0/authorize`,
    tokenUri: `${base}/oauth2/v2.0/token`,
    // Entra has no revocation endpoint: disconnect tells the user where to remove access.
    revocationUri: null,
    userinfoUri: "https://graph.microsoft.com/oidc/userinfo",
    introspectionUri: null,
    scopes: MICROSOFT_MAIL_SCOPES,
    queryParameters: {},
    tokenEndpointAuthMethod: "client_secret_post",
  };
}

/** Microsoft's authorities for any tenant (common, organizations, consumers), as opposed to one tenant. */
export function isMultiTenantAuthority(tenant: string | null): boolean {
  return !tenant || MULTI_TENANT.has(tenant);
}

/** The page where a Microsoft tenant admin grants the app's permissions for everyone. */
export function microsoftAdminConsentUrl(tenant: string, clientId: string, redirectUri: string): string {
  const url = new URL(`https://login.microsoftonline.com/${encodeURIComponent(tenant)}/adminconsent`);
  url.searchParams.set("client_id", clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  return url.toString();
}
