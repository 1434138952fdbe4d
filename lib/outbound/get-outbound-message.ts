import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import type { SignedInUser } from "#lib/auth/sign-in";
import { publicAttachmentSelect, toPublicOutboundMessage, type PublicOutboundMessage } from "./schemas";

/** The row and its files' descriptions, as the API shows them. */
export const PUBLIC_OUTBOUND_INCLUDE = { attachments: { select: publicAttachmentSelect, orderBy: { position: "asc" } } } as const;

/** A message the caller may see: sent from their own account, or any for admins; others answer 404. */
export async function getOutboundMessageOrThrow(db: Db, id: string, caller: SignedInUser): Promise<PublicOutboundMessage> {
  const row = await db.outboundMessage.findUnique({ where: { id }, include: { ...PUBLIC_OUTBOUND_INCLUDE, emailAccount: { select: { ownerId: true } } } });
  if (!row || (caller.role !== "admin" && row.emailAccount.ownerId !== caller.id)) {
    throw new AppError("not_found", "No such outbound message");
  }
  return toPublicOutboundMessage(row);
}
