import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import type { SignedInUser } from "../auth/sign-in";
import { testMailConnection, type MailConnectionTest } from "../mail/test-mail-connection";
import { parseOrThrow } from "../validation";
import { checkAccountReferences } from "./check-account-references";
import { sealMailPassword } from "./create-email-account";
import { createEmailAccountInput, type CreateEmailAccountInput } from "./schemas";

/** Tests a full account body without saving it, under the same rules as creating it. */
export async function testUnsavedAccount(db: Db, input: CreateEmailAccountInput, caller: SignedInUser): Promise<MailConnectionTest> {
  const data = parseOrThrow(createEmailAccountInput, input);
  const connectedUserId = await checkAccountReferences(db, data, caller, caller.id);
  const id = randomUUID();
  return testMailConnection(db, {
    id,
    authMethod: data.authMethod,
    passwordSealed: data.authMethod === "password" && data.password ? sealMailPassword(id, data.password) : null,
    connectedAppId: data.connectedAppId ?? null,
    connectedUserId,
    servicePrincipal: data.authMethod === "oauth" && data.servicePrincipal,
    imapHost: data.imap.host,
    imapPort: data.imap.port,
    imapSecurity: data.imap.security,
    imapLogin: data.imap.login,
    smtpHost: data.smtp.host,
    smtpPort: data.smtp.port,
    smtpSecurity: data.smtp.security,
    smtpLogin: data.smtp.login,
  });
}
