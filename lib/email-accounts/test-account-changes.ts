import type { Db } from "#lib/db";
import type { SignedInUser } from "#lib/auth/sign-in";
import { testMailConnection, type MailConnectionTest } from "#lib/mail/test-mail-connection";
import { parseOrThrow } from "#lib/validation";
import { checkAccountReferences } from "./check-account-references";
import { sealMailPassword } from "./create-email-account";
import { getEmailAccountOrThrow } from "./get-email-account-or-throw";
import { updateEmailAccountInput, type UpdateEmailAccountInput } from "./schemas";

/**
 * "Test connection" on a saved account's form: the settings on the screen
 * (a PATCH body, unsaved), over what is stored. Nothing is written. The
 * stored password is used only for the servers it was saved for, as a save
 * would keep it (update-email-account.ts); without changes, the saved
 * settings are tested.
 */
export async function testAccountChanges(db: Db, id: string, input: UpdateEmailAccountInput | undefined, caller: SignedInUser): Promise<MailConnectionTest> {
  const current = await getEmailAccountOrThrow(db, id, caller);
  if (!input) return testMailConnection(db, current);
  const data = parseOrThrow(updateEmailAccountInput, input);
  const imap = data.imap ?? { host: current.imapHost, port: current.imapPort, security: current.imapSecurity, login: current.imapLogin };
  const smtp = data.smtp ?? { host: current.smtpHost, port: current.smtpPort, security: current.smtpSecurity, login: current.smtpLogin };
  const merged = {
    authMethod: data.authMethod ?? current.authMethod,
    connectedAppId: data.connectedAppId !== undefined ? data.connectedAppId : current.connectedAppId,
    connectedUserId: data.connectedUserId !== undefined ? data.connectedUserId : current.connectedUserId,
    servicePrincipal: data.servicePrincipal ?? current.servicePrincipal,
    imap,
    smtp,
  };
  const connectedUserId = await checkAccountReferences(db, merged, caller, current.ownerId);
  const moved =
    imap.host !== current.imapHost || imap.port !== current.imapPort || imap.security !== current.imapSecurity ||
    smtp.host !== current.smtpHost || smtp.port !== current.smtpPort || smtp.security !== current.smtpSecurity;
  const passwordSealed = data.password ? sealMailPassword(id, data.password) : data.password === null || moved ? null : current.passwordSealed;
  return testMailConnection(db, {
    id,
    authMethod: merged.authMethod,
    passwordSealed,
    connectedAppId: merged.authMethod === "oauth" ? merged.connectedAppId : null,
    connectedUserId,
    servicePrincipal: merged.authMethod === "oauth" && merged.servicePrincipal,
    imapHost: imap.host,
    imapPort: imap.port,
    imapSecurity: imap.security,
    imapLogin: imap.login,
    smtpHost: smtp.host,
    smtpPort: smtp.port,
    smtpSecurity: smtp.security,
    smtpLogin: smtp.login,
  });
}
