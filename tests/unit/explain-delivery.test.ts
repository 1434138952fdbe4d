import { describe, expect, it } from "vitest";
import { explainDelivery, explainSmtpAnswer } from "#lib/outbound/explain-delivery";
import type { PublicOutboundMessage } from "#lib/outbound/schemas";

describe("explainSmtpAnswer", () => {
  it.each([
    ["550 5.1.1 <x@example.org>: Recipient address rejected: User unknown", "the address does not exist"],
    ["550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", "the address does not exist"],
    ["452 4.2.2 The email account that you tried to reach is over quota", "the mailbox is full"],
    ["552 5.2.2 Mailbox full", "the mailbox is full"],
    ["554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException", "the account reached its sending limit"],
    ["550 5.4.5 Daily user sending limit exceeded", "the account reached its sending limit"],
    ["535 5.7.3 Authentication unsuccessful", "the mail server refused the account's sign-in"],
    ["550 5.7.1 Message rejected as spam by Content Filtering", "the server refused it by its policy (spam filter or permissions)"],
    ["421 4.3.2 Service not available, closing transmission channel", "the server was busy"],
    ["connect ECONNREFUSED 127.0.0.1:587", "the mail server could not be reached"],
    ["451 Something odd happened", "the server said “451 Something odd happened”"],
  ])("%s → %s", (answer, words) => {
    expect(explainSmtpAnswer(answer)).toBe(words);
  });
});

function record(overrides: Partial<PublicOutboundMessage>): PublicOutboundMessage {
  return {
    id: "00000000-0000-4000-8000-000000000000",
    messageId: "<m@example.test>",
    status: "queued",
    attempts: [],
    lastError: null,
    sentAt: null,
    createdAt: "2026-12-07T10:00:00.000Z",
    nextAttemptAt: "2026-12-07T10:00:00.000Z",
    to: ["a@x.example", "b@y.example"],
    cc: [],
    bcc: ["c@z.example"],
    subject: "Hi",
    acceptedRecipients: [],
    retryRecipients: [],
    attachments: [],
    sentCopy: { at: null, error: null },
    ...overrides,
  };
}

const tried = [{ at: "2026-12-07T10:00:01.000Z", ok: false, response: "452 4.2.2 mailbox full" }];

describe("explainDelivery", () => {
  it.each([
    ["queued, never tried", record({}), { tone: "waiting", words: "Waiting to be sent", retryAt: null, reason: null }],
    ["being sent", record({ status: "sending", nextAttemptAt: null }), { tone: "waiting", words: "Being sent now", retryAt: null, reason: null }],
    [
      "delivered to some, one to try again",
      record({ attempts: tried, acceptedRecipients: ["a@x.example", "b@y.example"], retryRecipients: ["c@z.example"], lastError: "452 4.2.2 mailbox full", nextAttemptAt: "2026-12-07T10:05:00.000Z" }),
      { tone: "waiting", words: "Delivered to a@x.example, b@y.example; trying again for c@z.example", retryAt: "2026-12-07T10:05:00.000Z", reason: "the mailbox is full" },
    ],
    [
      "nobody yet, trying again",
      record({ attempts: tried, lastError: "421 4.3.2 try again later" }),
      { tone: "waiting", words: "Trying again for a@x.example, b@y.example, c@z.example", retryAt: "2026-12-07T10:00:00.000Z", reason: "the server was busy" },
    ],
    [
      "sent to all",
      record({ status: "sent", nextAttemptAt: null, acceptedRecipients: ["a@x.example", "b@y.example", "c@z.example"] }),
      { tone: "done", words: "Delivered to a@x.example, b@y.example, c@z.example", retryAt: null, reason: null },
    ],
    [
      "sent, one refused for good",
      record({ status: "sent", nextAttemptAt: null, acceptedRecipients: ["a@x.example", "B@Y.example"], lastError: "550 5.1.1 c@z.example: user unknown" }),
      { tone: "done", words: "Delivered to a@x.example, B@Y.example; not to c@z.example", retryAt: null, reason: "the address does not exist" },
    ],
    [
      "failed",
      record({ status: "failed", nextAttemptAt: null, lastError: "550 5.1.1 user unknown" }),
      { tone: "failed", words: "Failed", retryAt: null, reason: "the address does not exist" },
    ],
    ["cancelled", record({ status: "cancelled", nextAttemptAt: null }), { tone: "stopped", words: "Cancelled; not sent", retryAt: null, reason: null }],
  ])("%s", (_, message, summary) => {
    expect(explainDelivery(message)).toEqual(summary);
  });
});
