import * as oidc from "openid-client";
import { findProviderNetworkError } from "#lib/net/safe-fetch";
import { explainProviderError, type ExplainContext } from "./explain-provider-error";

/**
 * reauth: the user must connect again (invalid_grant).
 * misconfigured: the Connected App is wrong (invalid_client, bad scope, blocked endpoint): an admin must act.
 * transient: network, timeout, 5xx, temporarily_unavailable: retry later, never reauth.
 */
export type ProviderFailureKind = "reauth" | "misconfigured" | "transient";

export interface ProviderFailure {
  kind: ProviderFailureKind;
  /** The provider's OAuth error code, when it sent one. */
  code: string | null;
  /** Our sentence: safe to show and store. */
  explanation: string;
}

const MISCONFIGURED = new Set(["invalid_client", "unauthorized_client", "invalid_scope", "unsupported_grant_type", "invalid_request"]);
const TRANSIENT = new Set(["temporarily_unavailable", "server_error", "slow_down"]);

/** Classifies what a provider call threw; null for anything that is not a provider failure (a bug: rethrow it). */
export function classifyProviderError(error: unknown, context: ExplainContext = {}): ProviderFailure | null {
  if (error instanceof oidc.ResponseBodyError) {
    const explanation = explainProviderError({ code: error.error, description: error.error_description }, context);
    if (error.error === "invalid_grant") return { kind: "reauth", code: error.error, explanation };
    if (TRANSIENT.has(error.error) || error.status >= 500) return { kind: "transient", code: error.error, explanation };
    if (MISCONFIGURED.has(error.error) || error.status === 401) return { kind: "misconfigured", code: error.error, explanation };
    return { kind: "transient", code: error.error, explanation };
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    // A 401 with a WWW-Authenticate challenge: the client authentication failed.
    const code = error.cause[0]?.parameters.error ?? "invalid_client";
    const explanation = explainProviderError({ code, description: error.cause[0]?.parameters.error_description }, context);
    return { kind: error.status >= 500 ? "transient" : "misconfigured", code, explanation };
  }
  // openid-client wraps what our fetch throws in a ClientError: look down the cause chain.
  const network = findProviderNetworkError(error);
  if (network) {
    const kind = network.reason === "blocked_address" || network.reason === "insecure_url" ? "misconfigured" : "transient";
    return { kind, code: null, explanation: network.message };
  }
  if (error instanceof oidc.ClientError) {
    // Not an OAuth error body: an HTML error page, a non-JSON or malformed answer, a timeout.
    const status = (error.cause as { status?: unknown } | undefined)?.status;
    const reason =
      typeof status === "number" ? `HTTP ${status} with a body that is not an OAuth answer` : (error.code ?? "an answer that is not valid OAuth");
    return { kind: "transient", code: null, explanation: `The provider's token endpoint sent ${reason}.` };
  }
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return { kind: "transient", code: null, explanation: "The provider did not answer within 10 seconds." };
  }
  if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    return { kind: "transient", code: null, explanation: "The provider could not be reached." };
  }
  return null;
}
