import { db } from "#lib/db";
import { route } from "#lib/http";
import { createEmailAccount } from "#lib/email-accounts/create-email-account";
import { listEmailAccounts } from "#lib/email-accounts/list-email-accounts";
import { createEmailAccountInput } from "#lib/email-accounts/schemas";

export const GET = route({ auth: "user" }, async ({ user }) => ({
  json: { items: await listEmailAccounts(db(), user), nextCursor: null },
}));

export const POST = route({ auth: "user", body: createEmailAccountInput }, async ({ body, user, ip }) => ({
  status: 201,
  json: await createEmailAccount(db(), body, user, ip),
}));
