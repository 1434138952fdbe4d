import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { deleteEmailAccount } from "#lib/email-accounts/delete-email-account";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { updateEmailAccountInput } from "#lib/email-accounts/schemas";
import { toPublicEmailAccount } from "#lib/email-accounts/to-public-email-account";
import { updateEmailAccount } from "#lib/email-accounts/update-email-account";

const params = z.object({ id: z.uuid({ error: "not an email account id" }) });

export const GET = route({ auth: "user", params }, async ({ params, user }) => ({
  json: toPublicEmailAccount(await getEmailAccountOrThrow(db(), params.id, user)),
}));

export const PATCH = route({ auth: "user", params, body: updateEmailAccountInput }, async ({ params, body, user, ip }) => ({
  json: await updateEmailAccount(db(), params.id, body, user, ip),
}));

export const DELETE = route({ auth: "user", params }, async ({ params, user, ip }) => {
  await deleteEmailAccount(db(), params.id, user, ip);
  return new Response(null, { status: 204 });
});
