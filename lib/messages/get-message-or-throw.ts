import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import type { SignedInUser } from "#lib/auth/sign-in";
import { publicMessageDetailSelect, toPublicMessageDetail, type PublicMessageDetail } from "#lib/mail/to-public-message";

async function assertCanRead(db: Db, emailAccountId: string, caller: SignedInUser): Promise<void> {
  if (caller.role === "admin") return;
  const account = await db.emailAccount.findUnique({ where: { id: emailAccountId }, select: { ownerId: true } });
  if (account?.ownerId !== caller.id) throw new AppError("not_found", "No such message");
}

export async function getMessageOrThrow(db: Db, id: string, caller: SignedInUser): Promise<PublicMessageDetail & { emailAccountId: string; references: string[] }> {
  const message = await db.inboundMessage.findUnique({
    where: { id },
    select: { ...publicMessageDetailSelect, emailAccountId: true, references: true },
  });
  if (!message) throw new AppError("not_found", "No such message");
  await assertCanRead(db, message.emailAccountId, caller);
  return { ...toPublicMessageDetail(message), emailAccountId: message.emailAccountId, references: message.references };
}

export async function getRawMessageOrThrow(db: Db, id: string, caller: SignedInUser): Promise<{ raw: Uint8Array; skippedReason: string | null }> {
  const message = await db.inboundMessage.findUnique({ where: { id }, select: { raw: true, emailAccountId: true, skippedReason: true } });
  if (!message) throw new AppError("not_found", "No such message");
  await assertCanRead(db, message.emailAccountId, caller);
  return { raw: message.raw, skippedReason: message.skippedReason };
}

export async function getAttachmentOrThrow(
  db: Db,
  id: string,
  caller: SignedInUser,
): Promise<{ filename: string | null; contentType: string; content: Uint8Array }> {
  const attachment = await db.inboundAttachment.findUnique({
    where: { id },
    select: { filename: true, contentType: true, content: true, message: { select: { emailAccountId: true } } },
  });
  if (!attachment) throw new AppError("not_found", "No such attachment");
  await assertCanRead(db, attachment.message.emailAccountId, caller);
  return attachment;
}
