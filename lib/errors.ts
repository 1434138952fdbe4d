/**
 * One catalogue of error codes and their HTTP status (docs/architecture.md,
 * "API conventions"). Clients switch on the code; the message is for people and
 * never holds a secret.
 */
export const errorCatalogue = {
  validation_failed: 400,
  invalid_success_uri: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  needs_reauth: 409,
  not_connected: 409,
  setup_done: 409,
  app_incomplete: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal_error: 500,
  provider_error: 502,
  provider_unavailable: 502,
  database_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export interface ValidationIssue {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ValidationIssue[],
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return errorCatalogue[this.code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; issues?: ValidationIssue[] };
}

export function errorBody(error: AppError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.issues ? { issues: error.issues } : {}),
    },
  };
}
