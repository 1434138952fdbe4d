import { z } from "zod";
import type { OutboundMessage } from "#lib/generated/prisma/client";
import { hasControlCharacters, UNKNOWN_FIELDS } from "#lib/validation";

// The outbound body and record of the REST API (README, "REST API").

/** Exchange Online accepts at most 500 recipients per message. */
export const MAX_RECIPIENTS = 500;

const address = z.email({ error: "must be an email address" }).max(320, "must be at most 320 characters");

const recipients = z.array(address, { error: "must be a list of email addresses" }).max(MAX_RECIPIENTS, `must list at most ${MAX_RECIPIENTS} addresses`);

export interface Sender {
  name?: string;
  address: string;
}

const NAME_AND_ADDRESS = /^\s*(?:"([^"]*)"|([^"<>]*?))\s*<([^<>\s]+)>\s*$/;

/** "a@b.c", "Name <a@b.c>" or "\"Name, Inc.\" <a@b.c>"; null when it is neither. */
export function parseSender(value: string): Sender | null {
  const match = NAME_AND_ADDRESS.exec(value);
  const candidate = match ? match[3]! : value.trim();
  if (!address.safeParse(candidate).success) return null;
  const name = (match?.[1] ?? match?.[2] ?? "").trim();
  if (hasControlCharacters(name)) return null;
  return name ? { name, address: candidate } : { address: candidate };
}

/** One form for storage and headers, so the same sender always reads the same. */
export function formatSender(sender: Sender): string {
  return sender.name ? `"${sender.name.replace(/["\\]/g, "")}" <${sender.address}>` : sender.address;
}

/** A Message-ID as it appears in In-Reply-To and References; the angle brackets are added when missing. */
const messageIdRef = z
  .string()
  .trim()
  .max(998, "must be at most 998 characters")
  .transform((value) => (value.startsWith("<") ? value : `<${value}>`))
  .refine((value) => /^<[^<>\s]+@[^<>\s]+>$/.test(value), "must be a Message-ID like <id@example.com>");

export const outboundInput = z
  .strictObject({
    to: recipients.min(1, "needs at least one recipient"),
    cc: recipients.optional(),
    bcc: recipients.optional(),
    subject: z
      .string({ error: "is required" })
      .trim()
      .min(1, "is required")
      .max(998, "must be at most 998 characters (one header line)")
      .refine((value) => !/[\r\n]/.test(value), "must not contain line breaks"),
    text: z.string().optional(),
    html: z.string().optional(),
    from: z
      .string()
      .max(400, "must be at most 400 characters")
      .refine((value) => !/[\r\n]/.test(value) && parseSender(value) !== null, 'must be an address or "Name <address>"')
      .transform((value) => formatSender(parseSender(value)!))
      .optional(),
    inReplyTo: messageIdRef.optional(),
    references: z.array(messageIdRef).max(100, "must list at most 100 Message-IDs").optional(),
    idempotencyKey: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
  }, UNKNOWN_FIELDS)
  .superRefine((value, ctx) => {
    if (!value.text && !value.html) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "give text or html (or both): the message has no body" });
    }
    const total = value.to.length + (value.cc?.length ?? 0) + (value.bcc?.length ?? 0);
    if (total > MAX_RECIPIENTS) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `at most ${MAX_RECIPIENTS} recipients in to, cc and bcc together` });
    }
  });

export type OutboundInput = z.input<typeof outboundInput>;
export type ParsedOutboundInput = z.output<typeof outboundInput>;

export type OutboundStatus = "queued" | "sending" | "sent" | "failed";

/** One try at the server: when, whether it was accepted, and the server's answer. */
export interface OutboundAttempt {
  at: string;
  ok: boolean;
  response: string;
}

export interface PublicOutboundMessage {
  id: string;
  messageId: string;
  status: OutboundStatus;
  attempts: OutboundAttempt[];
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
  to: string[];
  subject: string;
  /** Recipients the server took the message for, over all tries. */
  acceptedRecipients: string[];
  /** While queued after a partial delivery: the recipients the next try is for. */
  retryRecipients: string[];
}

export function readAttempts(value: unknown): OutboundAttempt[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is OutboundAttempt =>
      typeof item === "object" && item !== null && typeof item.at === "string" && typeof item.ok === "boolean" && typeof item.response === "string",
  );
}

export function toPublicOutboundMessage(row: OutboundMessage): PublicOutboundMessage {
  return {
    id: row.id,
    messageId: row.messageId,
    status: row.status,
    attempts: readAttempts(row.attempts),
    lastError: row.lastError,
    sentAt: row.sentAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    to: row.toAddresses,
    subject: row.subject,
    acceptedRecipients: row.acceptedRecipients,
    retryRecipients: row.retryRecipients,
  };
}
