import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import type { SignedInUser } from "#lib/auth/sign-in";
import { toPublicOutboundMessage, type PublicOutboundMessage } from "./schemas";

/** A message the caller may see: sent from their own account, or any for admins; others answer 404. */
export async function getOutboundMessageOrThrow(db: Db, id: string, caller: SignedInUser): Promise<PublicOutboundMessage> {
  const row = await db.outboundMessage.findUnique({ where: { id }, include: { emailAccount: { select: { ownerId: true } } } });
  if (!row || (caller.role !== "admin" && row.emailAccount.ownerId !== caller.id)) {
    throw new AppError("not_found", "No such outbound message");
  }
  return toPublicOutboundMessage(row);
}
