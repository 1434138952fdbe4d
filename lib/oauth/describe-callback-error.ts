import { explainProviderError, type ExplainContext } from "./explain-provider-error";

const MESSAGES: Record<string, string> = {
  missing_state: "The provider's answer was incomplete (no state), so nothing was connected.",
  unknown_state: "This answer does not match a connection started here (an old or foreign link), so nothing was connected.",
  state_used: "This answer was already used once. Nothing new was stored: start the connection again if needed.",
  state_expired: "The connection attempt took longer than 10 minutes and expired. Nothing was stored.",
  not_signed_in: "You were signed out during the connection. Sign in and connect again.",
  wrong_user: "The connection was started by another user of this app, so it was refused.",
  exchange_failed: "The provider refused to complete the connection.",
  id_token_invalid: "The provider's answer failed a security check (ID token issuer, audience, nonce or expiry), so nothing was stored.",
  internal: "Something went wrong on our side; nothing was stored.",
};

/** The sentence the connections page shows after a failed callback. */
export function describeCallbackError(
  error: { code: string; providerError?: string | null; aadsts?: string | null },
  context: ExplainContext,
): string {
  const base = MESSAGES[error.code] ?? "The connection failed; nothing was stored.";
  if (error.code === "provider_error" || error.code === "exchange_failed") {
    const explained = explainProviderError(
      { code: error.providerError ?? null, description: error.aadsts ? `AADSTS${error.aadsts}` : null },
      context,
    );
    // The app's own credentials were refused: the app is marked misconfigured and the admins told.
    const told = error.providerError === "invalid_client" || error.providerError === "unauthorized_client" ? " The admins have been told." : "";
    return error.code === "exchange_failed" ? `${base} ${explained}${told}` : explained;
  }
  return base;
}
