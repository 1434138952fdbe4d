import { describe, expect, it } from "vitest";
import { classifySendError } from "#lib/outbound/classify-smtp-answer";

/** An SMTP failure as nodemailer reports it: the reply code, the server's whole answer, the command. */
function smtpError(responseCode: number, response: string, command = "DATA", code = "EMESSAGE") {
  return Object.assign(new Error(`Message failed: ${response}`), { code, responseCode, response, command });
}

/** A failure before any reply: nodemailer's or Node's error code only. */
function connectionError(code: string, message: string) {
  return Object.assign(new Error(message), { code, command: "CONN" });
}

// What each answer means for a queued message: try again later (temporary,
// quota), give up on it (permanent), or stop the account's whole drain
// (auth, network, config). Quota answers are temporary even as 5xx.
describe("classifySendError", () => {
  it.each([
    ["535 5.7.3 at AUTH (Microsoft: scope, mailbox permission)", "auth", smtpError(535, "535 5.7.3 Authentication unsuccessful", "AUTH XOAUTH2", "EAUTH")],
    ["535 with nodemailer's EAUTH after a failed XOAUTH2 refresh", "auth", smtpError(535, "535 5.7.8 Username and Password not accepted", "AUTH XOAUTH2", "EAUTH")],
    ["530 5.7.57 client not authenticated", "auth", smtpError(530, "530 5.7.57 Client not authenticated to send mail", "MAIL FROM")],
    ["452 4.2.2 a recipient's mailbox full (not the sender's quota)", "temporary", smtpError(452, "452 4.2.2 The email account that you tried to reach is over quota", "RCPT TO")],
    ["451 4.3.0 temporary server error", "temporary", smtpError(451, "451 4.3.0 Temporary server error. Please try again later")],
    ["421 4.7.0 try again later", "temporary", smtpError(421, "421 4.7.0 Try again later, closing connection.", "MAIL FROM")],
    ["550 5.4.5 Gmail's daily sending quota", "quota", smtpError(550, "550 5.4.5 Daily user sending limit exceeded.")],
    ["554 5.2.0 Exchange's SubmissionQuotaExceeded", "quota", smtpError(554, "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException")],
    ["552 5.2.2 mailbox over quota (5xx that passes with time)", "temporary", smtpError(552, "552 5.2.2 Recipient mailbox over quota", "RCPT TO")],
    ["550 5.1.1 no such user", "permanent", smtpError(550, "550 5.1.1 The email account that you tried to reach does not exist.", "RCPT TO")],
    ["554 5.7.1 refused as spam", "permanent", smtpError(554, "554 5.7.1 Message rejected as spam", "DATA")],
    ["552 5.3.4 message too big", "permanent", smtpError(552, "552 5.3.4 Message size exceeds fixed maximum message size")],
    ["connection refused", "network", connectionError("ECONNECTION", "connect ECONNREFUSED 127.0.0.1:2525")],
    ["connection reset mid-message", "network", connectionError("ECONNRESET", "read ECONNRESET")],
    ["greeting timeout", "network", connectionError("ETIMEDOUT", "Greeting never received")],
    ["host name that does not resolve", "config", connectionError("EDNS", "getaddrinfo ENOTFOUND smtp.example.invalid")],
    ["TLS handshake failure", "config", connectionError("ETLS", "wrong version number")],
  ])("%s → %s", (_name, kind, error) => {
    const verdict = classifySendError(error);
    expect(verdict.kind).toBe(kind);
    // The server's words are kept for the message's record, never replaced by ours.
    expect(verdict.response).toBe("response" in error ? error.response : error.message);
  });

  it("gives a stop verdict a reason to show the owner, and a hint where it knows one", () => {
    const verdict = classifySendError(smtpError(535, "535 5.7.3 Authentication unsuccessful", "AUTH XOAUTH2", "EAUTH"));
    expect(verdict).toMatchObject({ kind: "auth", reason: expect.any(String) });
    const network = classifySendError(connectionError("ECONNECTION", "connect ECONNREFUSED 127.0.0.1:2525"));
    expect(network).toMatchObject({ kind: "network", reason: expect.any(String) });
  });
});
