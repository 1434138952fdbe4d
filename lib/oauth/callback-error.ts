export type CallbackErrorCode =
  | "missing_state"
  | "unknown_state"
  | "state_used"
  | "state_expired"
  | "not_signed_in"
  | "wrong_user"
  | "provider_error"
  | "exchange_failed"
  | "id_token_invalid";

/**
 * A refused callback: nothing was stored. `providerError` is the provider's
 * OAuth code, if any; `authRequestId` names the signed-in user's request on
 * which the failure was recorded (not set when the answer matched no request
 * of the signed-in user).
 */
export class CallbackError extends Error {
  override name = "CallbackError";
  authRequestId?: string;
  constructor(
    readonly code: CallbackErrorCode,
    message: string,
    readonly providerError?: { code: string; aadsts: string | null },
  ) {
    super(message);
  }
}
