import type { Db } from "#lib/db";
import type { SignedInUser } from "#lib/auth/sign-in";
import type { PublicEmailAccount } from "./schemas";
import { toPublicEmailAccount } from "./to-public-email-account";

/** The caller's accounts; admins see every account. */
export async function listEmailAccounts(db: Db, caller: SignedInUser): Promise<PublicEmailAccount[]> {
  const accounts = await db.emailAccount.findMany({
    where: caller.role === "admin" ? {} : { ownerId: caller.id },
    orderBy: { emailAddress: "asc" },
  });
  return accounts.map(toPublicEmailAccount);
}
