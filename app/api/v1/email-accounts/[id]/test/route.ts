import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { testMailConnection } from "#lib/mail/test-mail-connection";

const params = z.object({ id: z.uuid({ error: "not an email account id" }) });

export const POST = route({ auth: "user", params }, async ({ params, user }) => ({
  json: await testMailConnection(db(), await getEmailAccountOrThrow(db(), params.id, user)),
}));
