import { createHash } from "node:crypto";
import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import type { SignedInUser } from "#lib/auth/sign-in";
import type { AttachmentInput } from "./schemas";

/** A file ready to be stored with a queued message. */
export interface PreparedAttachment {
  position: number;
  filename: string;
  contentType: string;
  inline: boolean;
  contentId: string | null;
  size: number;
  sha256: string;
  content: Buffer;
}

const DEFAULT_TYPE = "application/octet-stream";

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** The one wording of a message over the limit, for the files alone (here) and the whole message (enqueue). */
export function tooLarge(bytes: number, limit: number): AppError {
  return new AppError(
    "payload_too_large",
    `The message with its attachments would be about ${megabytes(bytes)} when sent; the limit is ${megabytes(limit)} (MAIL_MAX_MESSAGE_BYTES). Nothing was queued.`,
  );
}

/**
 * The files of an outbound request, as bytes: decoded from base64, or copied
 * from a received message's attachment that the caller may read (their own
 * mailbox, or any for admins); one they may not read is named as not found,
 * whether it exists or not.
 */
export async function prepareAttachments(db: Db, files: readonly AttachmentInput[], caller: SignedInUser, maxBytes: number): Promise<PreparedAttachment[]> {
  // Sizes first, contents after: a request naming one large received file a hundred times is refused
  // before anything is loaded, not after the server has held it a hundred times.
  const received = new Map<string, { size: number }>();
  for (const [position, file] of files.entries()) {
    if (!file.receivedAttachmentId || received.has(file.receivedAttachmentId)) continue;
    const found = await db.inboundAttachment.findUnique({
      where: { id: file.receivedAttachmentId },
      select: { size: true, message: { select: { emailAccount: { select: { ownerId: true } } } } },
    });
    if (!found || (caller.role !== "admin" && found.message.emailAccount.ownerId !== caller.id)) {
      const path = `attachments.${position}.receivedAttachmentId`;
      throw new AppError("validation_failed", `Invalid input: ${path}: no such attachment`, [{ path, message: "no such attachment" }]);
    }
    received.set(file.receivedAttachmentId, { size: found.size });
  }
  const total = files.reduce((sum, file) => sum + (file.receivedAttachmentId ? received.get(file.receivedAttachmentId)!.size : Math.floor((file.contentBase64!.length * 3) / 4)), 0);
  // Base64 on the wire: a third more than the files themselves.
  if (Math.ceil((total * 4) / 3) > maxBytes) throw tooLarge(Math.ceil((total * 4) / 3), maxBytes);

  const prepared: PreparedAttachment[] = [];
  for (const [position, file] of files.entries()) {
    let content: Buffer;
    let filename = file.filename;
    let contentType = file.contentType;
    if (file.receivedAttachmentId) {
      const stored = await db.inboundAttachment.findUniqueOrThrow({ where: { id: file.receivedAttachmentId }, select: { filename: true, contentType: true, content: true } });
      content = Buffer.from(stored.content);
      filename ??= stored.filename ?? "attachment";
      contentType ??= stored.contentType;
    } else {
      content = Buffer.from(file.contentBase64!, "base64");
    }
    prepared.push({
      position,
      filename: filename!,
      contentType: (contentType ?? DEFAULT_TYPE).toLowerCase(),
      inline: file.inline ?? false,
      contentId: file.cid ?? null,
      size: content.length,
      sha256: createHash("sha256").update(content).digest("hex"),
      content,
    });
  }
  return prepared;
}
