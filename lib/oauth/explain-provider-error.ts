/**
 * Provider errors in plain words, with what to fix (docs/architecture.md,
 * token rule 10). The input is the provider's error code and
 * description; the output is our own sentence, never the provider's text,
 * which stays in the logs.
 */

const AADSTS: Record<string, (context: ExplainContext) => string> = {
  "50011": (c) =>
    `The Redirect URI registered at Microsoft does not match this app's. Register exactly ${c.redirectUri ?? "the Redirect URI shown on the Connected App"} as a "Web" redirect URI in the Entra app registration.`,
  "65001": (c) =>
    `The app's permissions were not granted. ${c.adminConsentUrl ? `A tenant admin can grant them for everyone at ${c.adminConsentUrl}` : "Ask a tenant admin to grant admin consent"}, or the user can consent when connecting.`,
  "700016": () =>
    "Microsoft does not know this client id in that tenant: check the Application (client) ID and the tenant of the Connected App.",
  "7000215": () =>
    "The client secret is wrong. In Entra, copy the secret's Value (shown once when it is created), not its Secret ID.",
  "7000222": () => "The client secret has expired. Create a new one in the Entra app registration and paste its Value here.",
  "700082": () => "The refresh token expired after 90 days unused. Reconnect the account.",
  "50173": () => "The grant expired or was revoked (for example after a password change). Reconnect the account.",
  "70008": () => "The authorization code or refresh token has expired. Reconnect the account.",
  "28000": () => "Microsoft refused scopes of two resources in one request: keep the Outlook scopes and remove Graph scopes (or the reverse).",
  "700022": () => "Microsoft refused scopes of two resources in one request: keep the Outlook scopes and remove Graph scopes (or the reverse).",
  "90002": () => "The tenant does not exist: check the tenant id or domain of the Connected App.",
};

const OAUTH_ERRORS: Record<string, string> = {
  access_denied: "The consent was declined at the provider, so nothing was connected.",
  invalid_client: "The provider rejected the app's client id or secret: an admin must check the Connected App.",
  unauthorized_client: "The provider does not allow this client to use this grant: check the app registration.",
  invalid_grant: "The provider no longer accepts this grant (revoked, expired or already used): reconnect the account.",
  invalid_scope: "The provider rejected a requested scope: an admin must check the Connected App's scopes.",
  consent_required: "The provider needs a consent first: connect again and accept the requested access.",
  login_required: "The provider needs you to sign in: connect again.",
  interaction_required: "The provider needs you to interact (sign in or consent): connect again.",
  temporarily_unavailable: "The provider is temporarily unavailable: try again in a few minutes.",
  server_error: "The provider had an internal error: try again in a few minutes.",
};

export interface ExplainContext {
  redirectUri?: string;
  adminConsentUrl?: string | null;
}

export function aadstsCode(description: string | null | undefined): string | null {
  return description ? (/AADSTS(\d{5,7})/.exec(description)?.[1] ?? null) : null;
}

export function explainProviderError(
  error: { code?: string | null; description?: string | null },
  context: ExplainContext = {},
): string {
  const aadsts = aadstsCode(error.description);
  const specific = aadsts ? AADSTS[aadsts] : undefined;
  if (specific) return `${specific(context)} (Microsoft error AADSTS${aadsts})`;
  const general = error.code ? OAUTH_ERRORS[error.code] : undefined;
  if (general) return aadsts ? `${general} (Microsoft error AADSTS${aadsts})` : general;
  // An unknown code is named only when it looks like an OAuth error code: never free text.
  const code = error.code && /^[a-z_]{1,50}$/.test(error.code) ? error.code : null;
  return `The provider refused the request${code ? ` (${code})` : ""}${aadsts ? ` (Microsoft error AADSTS${aadsts})` : ""}.`;
}
