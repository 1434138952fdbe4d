import { randomUUID } from "node:crypto";
import type { Db } from "#lib/db";
import type { SignedInUser } from "#lib/auth/sign-in";
import { testMailConnection, type MailConnectionTest } from "#lib/mail/test-mail-connection";
import { parseOrThrow } from "#lib/validation";
import { checkAccountReferences } from "./check-account-references";
import { accountColumns } from "./create-email-account";
import { createEmailAccountInput, type CreateEmailAccountInput } from "./schemas";

/** Tests a full account body without saving it, under the same rules as creating it. */
export async function testUnsavedAccount(db: Db, input: CreateEmailAccountInput, caller: SignedInUser): Promise<MailConnectionTest> {
  const data = parseOrThrow(createEmailAccountInput, input);
  const connectedUserId = await checkAccountReferences(db, data, caller, caller.id);
  return testMailConnection(db, accountColumns(randomUUID(), data, connectedUserId));
}
