import type { InboundAttachment, InboundMessage, Prisma } from "#lib/generated/prisma/client";
import { sanitizeWithReport } from "./sanitize-html";

/** A stored message as the API shows it in lists (README, "REST API"). */
export interface PublicMessage {
  id: string;
  folder: string;
  uid: number;
  messageId: string | null;
  inReplyTo: string | null;
  from: string | null;
  to: string[];
  cc: string[];
  subject: string | null;
  date: string | null;
  size: number;
  /** The start of the text, on one line. */
  preview: string;
  /** Read: \Seen on the server, or opened in this app. */
  seen: boolean;
  /** Why the body is missing (too large, unparseable); null for a normal message. */
  skippedReason: string | null;
  attachments: { id: string; filename: string | null; contentType: string; size: number }[];
}

/** GET /api/v1/messages/{id}: the list shape plus the bodies. */
export interface PublicMessageDetail extends PublicMessage {
  text: string | null;
  html: string | null;
  /** Elements whose remote images/CSS were removed, for a "remote images blocked" note. */
  blockedRemoteContent: number;
}

// What the two shapes read: never `raw` or attachment `content`, which may be megabytes.
export const publicMessageSelect = {
  id: true,
  folder: true,
  uid: true,
  messageId: true,
  inReplyTo: true,
  fromAddress: true,
  toAddresses: true,
  ccAddresses: true,
  subject: true,
  date: true,
  size: true,
  preview: true,
  seen: true,
  readAt: true,
  skippedReason: true,
  attachments: { select: { id: true, filename: true, contentType: true, size: true }, orderBy: { id: "asc" } },
} satisfies Prisma.InboundMessageSelect;

export const publicMessageDetailSelect = {
  ...publicMessageSelect,
  text: true,
  html: true,
} satisfies Prisma.InboundMessageSelect;

type MessageRow = Pick<
  InboundMessage,
  | "id"
  | "folder"
  | "uid"
  | "messageId"
  | "inReplyTo"
  | "fromAddress"
  | "toAddresses"
  | "ccAddresses"
  | "subject"
  | "date"
  | "size"
  | "preview"
  | "seen"
  | "readAt"
  | "skippedReason"
> & { attachments: Pick<InboundAttachment, "id" | "filename" | "contentType" | "size">[] };

export function toPublicMessage(message: MessageRow): PublicMessage {
  return {
    id: message.id,
    folder: message.folder,
    // UIDs are below 2^32: exact as a JSON number.
    uid: Number(message.uid),
    messageId: message.messageId,
    inReplyTo: message.inReplyTo,
    from: message.fromAddress,
    to: message.toAddresses,
    cc: message.ccAddresses,
    subject: message.subject,
    date: message.date?.toISOString() ?? null,
    size: message.size,
    preview: message.preview,
    seen: message.seen || message.readAt !== null,
    skippedReason: message.skippedReason,
    attachments: message.attachments.map((attachment) => ({
      id: attachment.id,
      filename: attachment.filename,
      contentType: attachment.contentType,
      size: attachment.size,
    })),
  };
}

export function toPublicMessageDetail(message: MessageRow & Pick<InboundMessage, "text" | "html">): PublicMessageDetail {
  // Sanitised again on the way out (it is idempotent and cheap for one message), so
  // rows stored under older, laxer rules get today's rules.
  const sanitised = message.html === null ? null : sanitizeWithReport(message.html);
  return {
    ...toPublicMessage(message),
    text: message.text,
    html: sanitised?.html ?? null,
    blockedRemoteContent: sanitised?.blockedRemote ?? 0,
  };
}
