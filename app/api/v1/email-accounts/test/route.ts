import { db } from "#lib/db";
import { route } from "#lib/http";
import { createEmailAccountInput } from "#lib/email-accounts/schemas";
import { testUnsavedAccount } from "#lib/email-accounts/test-unsaved-account";

/** Signs in to IMAP and SMTP with a full, unsaved account body: nothing is stored. */
export const POST = route({ auth: "user", body: createEmailAccountInput }, async ({ body, user }) => ({
  json: await testUnsavedAccount(db(), body, user),
}));
