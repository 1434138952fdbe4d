import type { Db } from "#lib/db";
import { open } from "#lib/crypto";
import { AppError } from "#lib/errors";
import type { EmailAccount } from "#lib/generated/prisma/client";
import { sealedColumnContext } from "#lib/secrets/sealed-columns";
import { getAccessToken, type GetAccessTokenOptions } from "#lib/tokens/get-access-token";

export type MailAuth = { user: string; accessToken: string } | { user: string; pass: string };

type AccountAuthFields = Pick<
  EmailAccount,
  "id" | "authMethod" | "passwordSealed" | "connectedAppId" | "connectedUserId" | "servicePrincipal"
>;

/**
 * The credentials for one side's login. OAuth tokens come only from
 * lib/tokens (fresh, refreshed once across processes); a shared mailbox signs
 * in with the app-only token and the mailbox address as the login.
 */
export async function mailCredentials(
  db: Db,
  account: AccountAuthFields,
  login: string,
  options: GetAccessTokenOptions = {},
): Promise<MailAuth> {
  if (account.authMethod === "password") {
    if (!account.passwordSealed) throw new Error("No password is stored for this account");
    return { user: login, pass: open(account.passwordSealed, sealedColumnContext({ table: "email_accounts", column: "password_sealed" }, account.id)) };
  }
  // Fail closed: an account that signs in with a user's connection whose user is gone must not fall back to the
  // app-only token (null here), which opens any mailbox of the tenant.
  if (!account.servicePrincipal && !account.connectedUserId) {
    throw new AppError("not_connected", "The connection this account signed in with belongs to a user who no longer exists: choose a connection again");
  }
  const token = await getAccessToken(db, account.connectedAppId!, account.servicePrincipal ? null : account.connectedUserId, options);
  return { user: login, accessToken: token.accessToken };
}
