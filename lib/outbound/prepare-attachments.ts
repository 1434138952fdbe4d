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

/**
 * The files of an outbound request, as bytes: decoded from base64, or copied
 * from a received message's attachment that the caller may read (their own
 * mailbox, or any for admins); one they may not read is named as not found,
 * whether it exists or not.
 */
export async function prepareAttachments(db: Db, files: readonly AttachmentInput[], caller: SignedInUser): Promise<PreparedAttachment[]> {
  const prepared: PreparedAttachment[] = [];
  for (const [position, file] of files.entries()) {
    let content: Buffer;
    let filename = file.filename;
    let contentType = file.contentType;
    if (file.receivedAttachmentId) {
      const received = await db.inboundAttachment.findUnique({
        where: { id: file.receivedAttachmentId },
        select: { filename: true, contentType: true, content: true, message: { select: { emailAccount: { select: { ownerId: true } } } } },
      });
      if (!received || (caller.role !== "admin" && received.message.emailAccount.ownerId !== caller.id)) {
        const path = `attachments.${position}.receivedAttachmentId`;
        throw new AppError("validation_failed", `Invalid input: ${path}: no such attachment`, [{ path, message: "no such attachment" }]);
      }
      content = Buffer.from(received.content);
      filename ??= received.filename ?? "attachment";
      contentType ??= received.contentType;
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
