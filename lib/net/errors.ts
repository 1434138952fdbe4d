/**
 * The one error safeFetch throws for network-level failures. The message
 * names the host and the reason in plain words and never carries a header, a
 * body, a query string or a credential, so it may be logged and shown to an
 * admin as is.
 */
export type ProviderNetworkReason =
  | "blocked_address"
  | "insecure_url"
  | "timeout"
  | "too_large"
  | "dns"
  | "connect"
  | "tls";

export class ProviderNetworkError extends Error {
  override readonly name = "ProviderNetworkError";
  readonly reason: ProviderNetworkReason;
  /** The host name the call was for (never a URL: paths and queries may hold secrets). */
  readonly host: string;
  /** The system or library error code behind it (ECONNREFUSED, CERT_HAS_EXPIRED…), when there is one. */
  readonly code: string | undefined;

  constructor(reason: ProviderNetworkReason, host: string, message: string, code?: string) {
    super(message);
    this.reason = reason;
    this.host = host;
    this.code = code;
  }
}

/**
 * Finds a ProviderNetworkError in an error's cause chain: openid-client wraps
 * what its customFetch throws in a ClientError ("something went wrong", with
 * our error as `cause`).
 */
export function findProviderNetworkError(error: unknown): ProviderNetworkError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current; depth += 1) {
    if (current instanceof ProviderNetworkError) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** The `code` of a Node system or undici error, if it has a string one. */
export function errorCode(error: unknown): string | undefined {
  if (error && typeof error === "object" && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}
