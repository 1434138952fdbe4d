import { createHash } from "node:crypto";
import type Mail from "nodemailer/lib/mailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { Db } from "#lib/db";
import type { EmailAccount } from "#lib/generated/prisma/client";
import { createSmtpTransport } from "#lib/mail/create-smtp-transport";
import { mailCredentials } from "#lib/mail/mail-credentials";

/** One pooled SMTP transport per account per process, shared by the drains of that account. */

export interface PooledTransport {
  accountId: string;
  key: string;
  transporter: Mail<SMTPTransport.SentMessageInfo>;
  accessToken: string | undefined;
  users: number;
}

const transports = new Map<string, PooledTransport>();

function transportKey(account: EmailAccount, secret: string): string {
  const settings = [account.smtpHost, account.smtpPort, account.smtpSecurity, account.smtpLogin, account.sendLimitConnections, secret];
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex");
}

/** The account's transport for this process, rebuilt when its settings or credentials changed. */
export async function acquireTransport(db: Db, account: EmailAccount, rejectedAccessToken?: string): Promise<PooledTransport> {
  const auth = await mailCredentials(db, account, account.smtpLogin, rejectedAccessToken ? { rejectedAccessToken } : {});
  const accessToken = "accessToken" in auth ? auth.accessToken : undefined;
  const key = transportKey(account, accessToken ?? ("pass" in auth ? auth.pass : ""));
  const current = transports.get(account.id);
  if (current && current.key === key) {
    current.users++;
    return current;
  }
  if (current) {
    transports.delete(account.id);
    if (current.users === 0) current.transporter.close();
  }
  const transporter = (await createSmtpTransport(
    { host: account.smtpHost, port: account.smtpPort, security: account.smtpSecurity },
    auth,
    { pool: true, maxConnections: account.sendLimitConnections },
  )) as Mail<SMTPTransport.SentMessageInfo>;
  const entry: PooledTransport = { accountId: account.id, key, transporter, accessToken, users: 1 };
  transports.set(account.id, entry);
  return entry;
}

export function releaseTransport(entry: PooledTransport): void {
  entry.users--;
  if (entry.users > 0) return;
  // Idle pooled connections still count against the server's connection limit: close them.
  entry.transporter.close();
  if (transports.get(entry.accountId) === entry) transports.delete(entry.accountId);
}
