import type { Db } from "#lib/db";
import type { SignedInUser } from "#lib/auth/sign-in";
import type { PublicEmailAccount } from "./schemas";
import { toPublicEmailAccount } from "./to-public-email-account";

/** The caller's accounts; admins see every account, or one owner's with `ownerId`. */
export async function listEmailAccounts(db: Db, caller: SignedInUser, filter: { ownerId?: string } = {}): Promise<PublicEmailAccount[]> {
  const accounts = await db.emailAccount.findMany({
    where: caller.role === "admin" ? (filter.ownerId ? { ownerId: filter.ownerId } : {}) : { ownerId: caller.id },
    orderBy: { emailAddress: "asc" },
  });
  return accounts.map(toPublicEmailAccount);
}
