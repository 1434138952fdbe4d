import { z } from "zod";
import type { OutboundAttachment, OutboundMessage } from "#lib/generated/prisma/client";
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

/** At most this many files per message (a mail client's own limits are lower). */
export const MAX_ATTACHMENTS = 100;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MIME_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
/** A Content-ID as written after "cid:" in HTML: no angle brackets, spaces or quotes. */
const CONTENT_ID = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.@]{1,200}$/;

/**
 * A file to send: its bytes in base64, or `receivedAttachmentId`, an
 * attachment of a received message the caller may read (forwarding), whose
 * name and type are kept unless given. `inline` files are shown where the
 * HTML body says `<img src="cid:…">`.
 */
const attachmentInput = z
  .strictObject(
    {
      filename: z
        .string({ error: "must be a file name" })
        .trim()
        .min(1, "must not be empty")
        .max(255, "must be at most 255 characters")
        .refine((value) => !hasControlCharacters(value) && !/[\\/]/.test(value), "must be a file name, without slashes or control characters")
        .optional(),
      contentType: z.string().regex(MIME_TYPE, 'must be a media type like "application/pdf"').optional(),
      contentBase64: z
        .string({ error: "must be the file's bytes in base64" })
        .transform((value) => value.replace(/\s+/g, ""))
        .refine((value) => value.length % 4 === 0 && BASE64.test(value), "must be the file's bytes in base64")
        .optional(),
      receivedAttachmentId: z.uuid({ error: "must be the id of an attachment of a received message" }).optional(),
      inline: z.boolean({ error: "must be true or false" }).optional(),
      cid: z.string().regex(CONTENT_ID, "must be a Content-ID without <>, spaces or quotes, as in <img src=\"cid:logo\">").optional(),
    },
    UNKNOWN_FIELDS,
  )
  .superRefine((value, ctx) => {
    if ((value.contentBase64 === undefined) === (value.receivedAttachmentId === undefined)) {
      ctx.addIssue({ code: "custom", path: ["contentBase64"], message: "give the file as contentBase64, or receivedAttachmentId to forward one you received" });
    }
    if (value.contentBase64 !== undefined && !value.filename) ctx.addIssue({ code: "custom", path: ["filename"], message: "is required" });
    if (value.inline && !value.cid) ctx.addIssue({ code: "custom", path: ["cid"], message: "is required for an inline file: the HTML refers to it by cid" });
  });

export type AttachmentInput = z.output<typeof attachmentInput>;

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
    attachments: z.array(attachmentInput, { error: "must be a list of files" }).max(MAX_ATTACHMENTS, `must list at most ${MAX_ATTACHMENTS} files`).optional(),
  }, UNKNOWN_FIELDS)
  .superRefine((value, ctx) => {
    if (!value.text && !value.html) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "give text or html (or both): the message has no body" });
    }
    const cids = (value.attachments ?? []).flatMap((file) => (file.cid ? [file.cid] : []));
    if (new Set(cids).size !== cids.length) {
      ctx.addIssue({ code: "custom", path: ["attachments"], message: "two files have the same cid" });
    }
    const total = value.to.length + (value.cc?.length ?? 0) + (value.bcc?.length ?? 0);
    if (total > MAX_RECIPIENTS) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `at most ${MAX_RECIPIENTS} recipients in to, cc and bcc together` });
    }
  });

export type OutboundInput = z.input<typeof outboundInput>;
export type ParsedOutboundInput = z.output<typeof outboundInput>;

export type OutboundStatus = "queued" | "sending" | "sent" | "failed" | "cancelled";

/** One try at the server: when, whether it was accepted, and the server's answer. */
export interface OutboundAttempt {
  at: string;
  ok: boolean;
  response: string;
}

/** A file of a queued or sent message, as the API shows it (never its bytes). */
export interface PublicOutboundAttachment {
  filename: string;
  contentType: string;
  size: number;
  inline: boolean;
}

export interface PublicOutboundMessage {
  id: string;
  messageId: string;
  status: OutboundStatus;
  attempts: OutboundAttempt[];
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
  /** While queued: when the next try is due. */
  nextAttemptAt: string | null;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  /** Recipients the server took the message for, over all tries. */
  acceptedRecipients: string[];
  /** While queued after a partial delivery: the recipients the next try is for. */
  retryRecipients: string[];
  attachments: PublicOutboundAttachment[];
  /** Its copy in the account's Sent folder: when it was added, or why it could not be (both null: none yet, or copies are off). */
  sentCopy: { at: string | null; error: string | null };
}

/** The columns of an attachment the API shows: everything but the bytes. */
export const publicAttachmentSelect = { filename: true, contentType: true, size: true, inline: true } as const;

export function readAttempts(value: unknown): OutboundAttempt[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is OutboundAttempt =>
      typeof item === "object" && item !== null && typeof item.at === "string" && typeof item.ok === "boolean" && typeof item.response === "string",
  );
}

export function toPublicOutboundMessage(
  row: OutboundMessage & { attachments: Pick<OutboundAttachment, "filename" | "contentType" | "size" | "inline">[] },
): PublicOutboundMessage {
  return {
    id: row.id,
    messageId: row.messageId,
    status: row.status,
    attempts: readAttempts(row.attempts),
    lastError: row.lastError,
    sentAt: row.sentAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    nextAttemptAt: row.status === "queued" ? row.nextAttemptAt.toISOString() : null,
    to: row.toAddresses,
    cc: row.ccAddresses,
    bcc: row.bccAddresses,
    subject: row.subject,
    acceptedRecipients: row.acceptedRecipients,
    retryRecipients: row.retryRecipients,
    attachments: row.attachments.map(({ filename, contentType, size, inline }) => ({ filename, contentType, size, inline })),
    sentCopy: { at: row.sentCopyAt?.toISOString() ?? null, error: row.sentCopyError },
  };
}
