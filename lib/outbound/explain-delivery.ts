import type { PublicOutboundMessage } from "./schemas";

/**
 * A mail server's answer in a person's words. The raw answer stays in the
 * message's attempts for whoever wants it; this is for the one line a Sent
 * list shows. Order matters: a sender's quota (Exchange's 554 5.2.0
 * SubmissionQuotaExceeded, Gmail's 550 5.4.5) is not a full mailbox.
 */
export function explainSmtpAnswer(answer: string): string {
  const rules: [RegExp, string][] = [
    [/SubmissionQuotaExceeded|5\.4\.5|daily (user )?sending (quota|limit)/i, "the account reached its sending limit"],
    [/\b[45]\.1\.[1-3]\b|user unknown|does not exist|no such (user|recipient|mailbox)|recipient (address )?rejected|mailbox unavailable|not found/i, "the address does not exist"],
    [/\b[45]\.2\.2\b|mailbox (is )?full|over ?quota|quota exceeded|insufficient storage/i, "the mailbox is full"],
    [/\b535\b|authentication (failed|unsuccessful)|invalid credentials/i, "the mail server refused the account's sign-in"],
    [/\b[45]\.7\.\d+\b|spam|blocked|policy|not permitted|relay/i, "the server refused it by its policy (spam filter or permissions)"],
    [/\b421\b|\b4\.3\.2\b|try again later|too busy|temporarily/i, "the server was busy"],
    [/ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNRESET|could not be reached|timed? ?out/i, "the mail server could not be reached"],
  ];
  for (const [pattern, words] of rules) if (pattern.test(answer)) return words;
  const trimmed = answer.replace(/\s+/g, " ").trim();
  return `the server said “${trimmed.length > 140 ? `${trimmed.slice(0, 140)}…` : trimmed}”`;
}

export type DeliveryTone = "done" | "waiting" | "failed" | "stopped";

/** One line on a sent message: the words, and when the next try is due (shown in the viewer's time zone). */
export interface DeliverySummary {
  tone: DeliveryTone;
  words: string;
  /** ISO time of the next try, for "trying again … at 14:05". */
  retryAt: string | null;
  /** Why it is retried or failed, in words (explainSmtpAnswer). */
  reason: string | null;
}

const list = (addresses: readonly string[]) => addresses.join(", ");

export function explainDelivery(message: PublicOutboundMessage): DeliverySummary {
  const reason = message.lastError ? explainSmtpAnswer(message.lastError) : null;
  const delivered = message.acceptedRecipients;
  switch (message.status) {
    case "sending":
      return { tone: "waiting", words: "Being sent now", retryAt: null, reason: null };
    case "queued": {
      if (message.attempts.length === 0) return { tone: "waiting", words: "Waiting to be sent", retryAt: null, reason: null };
      const pending = message.retryRecipients.length > 0 ? message.retryRecipients : [...message.to, ...message.cc, ...message.bcc];
      const words = delivered.length > 0 ? `Delivered to ${list(delivered)}; trying again for ${list(pending)}` : `Trying again for ${list(pending)}`;
      return { tone: "waiting", words, retryAt: message.nextAttemptAt, reason };
    }
    case "sent": {
      const everyone = [...message.to, ...message.cc, ...message.bcc];
      const missed = everyone.filter((address) => !delivered.some((got) => got.toLowerCase() === address.toLowerCase()));
      const words = `Delivered to ${list(delivered.length > 0 ? delivered : everyone)}${missed.length > 0 ? `; not to ${list(missed)}` : ""}`;
      return { tone: "done", words, retryAt: null, reason: missed.length > 0 ? reason : null };
    }
    case "failed":
      return { tone: "failed", words: "Failed", retryAt: null, reason };
    case "cancelled":
      return { tone: "stopped", words: delivered.length > 0 ? `Cancelled after it reached ${list(delivered)}` : "Cancelled; not sent", retryAt: null, reason: null };
  }
}
