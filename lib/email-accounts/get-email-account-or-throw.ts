import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import type { EmailAccount } from "#lib/generated/prisma/client";
import type { SignedInUser } from "#lib/auth/sign-in";

/**
 * An account the caller may see: their own, or any for admins. Another
 * user's account answers 404, not 403, so ids do not leak existence.
 */
export async function getEmailAccountOrThrow(db: Db, id: string, caller: SignedInUser): Promise<EmailAccount> {
  const account = await db.emailAccount.findUnique({ where: { id } });
  if (!account || (caller.role !== "admin" && account.ownerId !== caller.id)) {
    throw new AppError("not_found", "No such email account");
  }
  return account;
}
