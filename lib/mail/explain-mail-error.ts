import { AppError } from "#lib/errors";
import { MailHostError } from "./resolve-mail-host";

/**
 * auth: the server refused the credentials (one forced token refresh and a
 *   retry, then it counts toward pausing the side).
 * reauth: the connection itself needs the user (pauses both sides).
 * transient: network, timeouts, a server that is down: retry with backoff.
 * config: the settings are wrong (DNS, TLS, blocked address): the owner must fix them.
 */
export type MailFailureKind = "auth" | "reauth" | "transient" | "config";

export interface MailFailure {
  kind: MailFailureKind;
  /** What failed, in plain words. */
  error: string;
  /** What to fix, provider-specific where we can tell. */
  hint?: string;
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ESOCKET", "ECONNECTION", "ETIMEOUT", "NoConnection", "EConnectionClosed"]);
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EDNS"]);

function field(error: unknown, name: string): unknown {
  return error && typeof error === "object" ? (error as Record<string, unknown>)[name] : undefined;
}

function text(error: unknown): string {
  return [field(error, "response"), field(error, "responseText"), field(error, "message")].filter((part) => typeof part === "string").join(" ");
}

function tlsProblem(error: unknown): boolean {
  const code = String(field(error, "code") ?? "");
  return code === "ETLS" || code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL") || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) || /certificate|SSL routines|wrong version number/i.test(text(error));
}

/** Explains an IMAP or SMTP failure (imapflow, nodemailer, our own checks). */
export function explainMailError(error: unknown, side: "imap" | "smtp"): MailFailure {
  const server = side === "imap" ? "IMAP" : "SMTP";
  if (error instanceof AppError) {
    if (error.code === "needs_reauth" || error.code === "not_connected") {
      return { kind: "reauth", error: error.message, hint: "Reconnect the account under My connections." };
    }
    if (error.code === "provider_error") return { kind: "config", error: error.message, hint: "An admin must fix the Connected App." };
    return { kind: "transient", error: error.message };
  }
  if (error instanceof MailHostError) {
    return { kind: error.reason === "dns" ? "config" : "config", error: error.message, hint: `Check the ${server} host name.` };
  }
  const code = String(field(error, "code") ?? "");
  const message = text(error);
  if (DNS_CODES.has(code)) return { kind: "config", error: `The ${server} host name does not resolve (DNS).`, hint: `Check the ${server} host.` };
  if (tlsProblem(error)) {
    return {
      kind: "config",
      error: `The TLS handshake with the ${server} server failed.`,
      hint: `Check the port and security: ${side === "imap" ? "993 is TLS, 143 is STARTTLS" : "465 is TLS, 587 is STARTTLS"}.`,
    };
  }
  if (/User is authenticated but not connected/i.test(message)) {
    return {
      kind: "auth",
      error: "The token is valid but gives no rights on this mailbox (Exchange: “User is authenticated but not connected”).",
      hint: "For a shared mailbox, grant FullAccess (Add-MailboxPermission) to the user or service principal, and sign in with the mailbox address as the IMAP login.",
    };
  }
  // imapflow sets authenticationFailed on Dovecot's temporary [UNAVAILABLE] too: the code decides.
  if (field(error, "serverResponseCode") === "UNAVAILABLE") {
    return { kind: "transient", error: `The ${server} server could not check the sign-in right now (UNAVAILABLE).` };
  }
  const authFailed = field(error, "authenticationFailed") === true || code === "EAUTH" || field(error, "responseCode") === 535 || /AUTHENTICATIONFAILED|AUTHENTICATE failed|authentication failed/i.test(message);
  if (authFailed) {
    if (/5\.7\.139/.test(message)) {
      return {
        kind: "auth",
        error: "SMTP AUTH is disabled for this tenant or mailbox (535 5.7.139).",
        hint: "In Exchange Online, enable SMTP AUTH for the mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled $false) or the tenant (Set-TransportConfig).",
      };
    }
    return {
      kind: "auth",
      error: `The ${server} server refused the sign-in${/5\.7\.3/.test(message) ? " (535 5.7.3)" : ""}.`,
      hint:
        "Check that the token has the mail scopes (Microsoft: IMAP.AccessAsUser.All / SMTP.Send, or IMAP.AccessAsApp / SMTP.SendAsApp with New-ServicePrincipal and mailbox permissions; Google: https://mail.google.com/), that the login is the mailbox address, and that IMAP/SMTP AUTH is enabled for the mailbox.",
    };
  }
  if (NETWORK_CODES.has(code) || /timed? ?out|ECONNREFUSED|closed/i.test(message)) {
    return { kind: "transient", error: `Could not reach the ${server} server (${code || "connection failed"}).`, hint: "Check the host and port, and that the server is up." };
  }
  return { kind: "transient", error: `The ${server} server answered unexpectedly: ${message.slice(0, 200) || code || "unknown error"}` };
}
