import { explainMailError } from "#lib/mail/explain-mail-error";

/**
 * What an SMTP answer (or a failure to get one) means for a message: try
 * again later, give up, or stop the whole account's drain. Decided by the
 * reply code and nodemailer's error code, not by the message text, except
 * for the sender quota answers below that arrive as 5xx but pass with time.
 */

export type StopKind = "auth" | "network" | "config" | "quota";

/** Sender quota answers, temporary even as 5xx (Exchange 554 5.2.0 …SubmissionQuotaExceeded, Gmail 550 5.4.5). */
const SENDER_QUOTA = /SubmissionQuotaExceeded|\b5\.4\.5\b|sending (?:limit|quota)|quota exceeded|rate limit/i;

export interface StopVerdict {
  kind: StopKind;
  response: string;
  reason: string;
  hint?: string;
}

export type Verdict = { kind: "temporary"; response: string } | { kind: "permanent"; response: string } | StopVerdict;

export function field(error: unknown, name: string): unknown {
  return error && typeof error === "object" ? (error as Record<string, unknown>)[name] : undefined;
}

export function serverAnswer(error: unknown): string {
  const response = field(error, "response");
  if (typeof response === "string" && response.trim()) return response.trim();
  const message = field(error, "message");
  return typeof message === "string" ? message : String(error);
}

export function classifySendError(error: unknown): Verdict {
  const responseCode = field(error, "responseCode");
  const code = field(error, "code");
  const response = serverAnswer(error);
  if (code === "EAUTH" || code === "NoAuth" || responseCode === 530 || responseCode === 535) {
    const explained = explainMailError(error, "smtp");
    return { kind: "auth", response, reason: explained.error, hint: explained.hint };
  }
  if (typeof responseCode !== "number") {
    const explained = explainMailError(error, "smtp");
    return { kind: explained.kind === "config" ? "config" : "network", response, reason: explained.error, hint: explained.hint };
  }
  if (SENDER_QUOTA.test(response)) {
    return { kind: "quota", response, reason: `The SMTP server refused more mail from this account for now (sending quota): ${response}` };
  }
  if (responseCode >= 400 && responseCode < 500) return { kind: "temporary", response };
  if (responseCode >= 500 && /quota/i.test(response)) return { kind: "temporary", response };
  if (responseCode >= 500 && responseCode < 600) return { kind: "permanent", response };
  return { kind: "temporary", response };
}
