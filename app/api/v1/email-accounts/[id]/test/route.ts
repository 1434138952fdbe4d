import { z } from "zod";
import { db } from "#lib/db";
import { route } from "#lib/http";
import { updateEmailAccountInput, type UpdateEmailAccountInput } from "#lib/email-accounts/schemas";
import { testAccountChanges } from "#lib/email-accounts/test-account-changes";

const params = z.object({ id: z.uuid({ error: "not an email account id" }) });

/** Signs in to IMAP and SMTP with the saved settings, or with a PATCH body's changes over them: nothing is saved. */
export const POST = route({ auth: "user", params, body: updateEmailAccountInput, bodyOptional: true }, async ({ params, body, user }) => ({
  json: await testAccountChanges(db(), params.id, body as UpdateEmailAccountInput | undefined, user),
}));
