import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type { Db } from "#lib/db";
import { seal } from "#lib/crypto";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import type { SignedInUser } from "#lib/auth/sign-in";
import { sealedColumnContext, sealedColumns } from "#lib/secrets/sealed-columns";
import { parseOrThrow } from "#lib/validation";
import { checkAccountReferences } from "./check-account-references";
import { assertMaySetDefaultOutgoing, clearOtherDefaultOutgoing } from "./default-outgoing";
import { createEmailAccountInput, type CreateEmailAccountInput, type PublicEmailAccount } from "./schemas";
import { toPublicEmailAccount } from "./to-public-email-account";

const passwordColumn = sealedColumns.find((column) => column.column === "password_sealed")!;

export function sealMailPassword(accountId: string, password: string): string {
  return seal(password, sealedColumnContext(passwordColumn, accountId));
}

/** The columns of an account row from a validated body (shared with the unsaved connection test). */
export function accountColumns(id: string, data: z.infer<typeof createEmailAccountInput>, connectedUserId: string | null) {
  return {
    id,
    emailAddress: data.emailAddress,
    displayName: data.displayName,
    authMethod: data.authMethod,
    passwordSealed: data.authMethod === "password" && data.password ? sealMailPassword(id, data.password) : null,
    connectedAppId: data.authMethod === "oauth" ? (data.connectedAppId ?? null) : null,
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
    enableIncoming: data.enableIncoming,
    enableOutgoing: data.enableOutgoing,
    folders: data.folders,
    useIdle: data.useIdle,
    pollIntervalSeconds: data.pollIntervalSeconds,
    initialSyncSince: data.initialSync.since ?? null,
    initialSyncNewest: data.initialSync.newest ?? null,
    sendLimitPerMinute: data.sendLimits.perMinute,
    sendLimitConnections: data.sendLimits.connections,
    alwaysUseAccountAddressAsSender: data.alwaysUseAccountAddressAsSender,
    alwaysUseAccountNameAsSenderName: data.alwaysUseAccountNameAsSenderName,
    appendToSent: data.appendToSent ?? !filesSentMailItself(data.imap.host),
    sentFolder: data.sentFolder ?? null,
  };
}

/**
 * Providers that put what their SMTP server sends into Sent by themselves, so a
 * copy from us would be a second one: Gmail (documented), and Exchange Online,
 * which files client submissions (SMTP AUTH) in Sent Items (ADR 0014).
 */
export function filesSentMailItself(imapHost: string): boolean {
  return ["imap.gmail.com", "imap.googlemail.com", "outlook.office365.com"].includes(imapHost.toLowerCase());
}

export async function createEmailAccount(
  db: Db,
  input: CreateEmailAccountInput,
  caller: SignedInUser,
  ip?: string | null,
): Promise<PublicEmailAccount> {
  const data = parseOrThrow(createEmailAccountInput, input);
  assertMaySetDefaultOutgoing(data.isDefaultOutgoing, caller);
  const connectedUserId = await checkAccountReferences(db, data, caller, caller.id);
  const id = randomUUID();
  const columns = { ...accountColumns(id, data, connectedUserId), ownerId: caller.id, isDefaultOutgoing: data.isDefaultOutgoing };
  const { account, clearedDefaultOutgoing } = await db.$transaction(async (tx) => {
    const cleared = data.isDefaultOutgoing ? await clearOtherDefaultOutgoing(tx, id) : [];
    return { account: await tx.emailAccount.create({ data: columns }), clearedDefaultOutgoing: cleared };
  });
  await recordAuditEvent(db, {
    actorId: caller.id,
    action: "email_account.create",
    targetType: "email_account",
    targetId: id,
    details: {
      emailAddress: account.emailAddress,
      authMethod: account.authMethod,
      servicePrincipal: account.servicePrincipal,
      isDefaultOutgoing: account.isDefaultOutgoing,
      ...(clearedDefaultOutgoing.length > 0 && { clearedDefaultOutgoing }),
    },
    ip,
  });
  return toPublicEmailAccount(account);
}
