import type { Db } from "#lib/db";
import type { EmailAccount } from "#lib/generated/prisma/client";
import { createImapClient } from "./connect-imap";
import { createSmtpTransport } from "./create-smtp-transport";
import { explainMailError } from "./explain-mail-error";
import { mailCredentials } from "./mail-credentials";

export interface SideResult {
  ok: boolean;
  error?: string;
  hint?: string;
}

/** A folder of the mailbox as the server lists it, for choosing which to sync and where sent copies go. */
export interface ServerFolder {
  path: string;
  /** RFC 6154 role: "\\Sent", "\\Trash", …; null for the user's own folders. */
  specialUse: string | null;
}

export interface MailConnectionTest {
  imap: SideResult & { folders?: ServerFolder[] };
  smtp: SideResult;
}

export type TestableAccount = Pick<
  EmailAccount,
  | "id"
  | "authMethod"
  | "passwordSealed"
  | "connectedAppId"
  | "connectedUserId"
  | "servicePrincipal"
  | "imapHost"
  | "imapPort"
  | "imapSecurity"
  | "imapLogin"
  | "smtpHost"
  | "smtpPort"
  | "smtpSecurity"
  | "smtpLogin"
>;

async function testImap(db: Db, account: TestableAccount): Promise<SideResult & { folders?: ServerFolder[] }> {
  try {
    const client = await createImapClient(
      { host: account.imapHost, port: account.imapPort, security: account.imapSecurity },
      await mailCredentials(db, account, account.imapLogin),
    );
    client.on("error", () => {});
    try {
      await client.connect();
      // Opening INBOX proves rights on the mailbox, not just a valid token.
      const lock = await client.getMailboxLock("INBOX");
      lock.release();
      const folders = (await client.list())
        .filter((folder) => !folder.flags.has("\\Noselect"))
        .map((folder) => ({ path: folder.path, specialUse: folder.specialUse ?? null }));
      return { ok: true, folders };
    } finally {
      await client.logout().catch(() => client.close());
    }
  } catch (error) {
    const { error: message, hint } = explainMailError(error, "imap");
    return { ok: false, error: message, hint };
  }
}

async function testSmtp(db: Db, account: TestableAccount): Promise<SideResult> {
  try {
    const transport = await createSmtpTransport(
      { host: account.smtpHost, port: account.smtpPort, security: account.smtpSecurity },
      await mailCredentials(db, account, account.smtpLogin),
    );
    try {
      await transport.verify();
    } finally {
      transport.close();
    }
    return { ok: true };
  } catch (error) {
    const { error: message, hint } = explainMailError(error, "smtp");
    return { ok: false, error: message, hint };
  }
}

/** Signs in to IMAP and SMTP with the given settings, saving nothing, and says exactly what failed. */
export async function testMailConnection(db: Db, account: TestableAccount): Promise<MailConnectionTest> {
  const [imap, smtp] = await Promise.all([testImap(db, account), testSmtp(db, account)]);
  return { imap, smtp };
}
