import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { requestSync } from "#lib/mail/notify-workers";

const params = z.object({ id: z.uuid({ error: "not an email account id" }) });

/** Queues a sync now: the worker owning the account's session syncs within moments. */
export const POST = route({ auth: "user", params }, async ({ params, user }) => {
  await getEmailAccountOrThrow(db(), params.id, user);
  await requestSync(db(), params.id);
  return { status: 202, json: { queued: true } };
});
