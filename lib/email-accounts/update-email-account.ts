import type { Db } from "#lib/db";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import type { SignedInUser } from "#lib/auth/sign-in";
import { parseOrThrow } from "#lib/validation";
import { checkAccountReferences } from "./check-account-references";
import { assertMayChangeDefaultOutgoing, assertMaySetDefaultOutgoing, clearOtherDefaultOutgoing } from "./default-outgoing";
import { sealMailPassword } from "./create-email-account";
import { getEmailAccountOrThrow } from "./get-email-account-or-throw";
import { updateEmailAccountInput, type PublicEmailAccount, type UpdateEmailAccountInput } from "./schemas";
import { toPublicEmailAccount } from "./to-public-email-account";
import { CONNECTION_PAUSE_PREFIX } from "#lib/mail/follow-connection-status";
import { OWNER_PAUSE_PREFIX } from "#lib/mail/follow-owner-status";
import { announceAccountChanged } from "#lib/mail/notify-workers";

/** Pauses that editing the account cannot lift: the worker's reconcilers set and lift them. */
function pausedByReconciler(reason: string | null): boolean {
  return reason !== null && (reason.startsWith(CONNECTION_PAUSE_PREFIX) || reason.startsWith(OWNER_PAUSE_PREFIX));
}

/**
 * Changes an account. A saved change also resumes sides paused for what the
 * owner can fix here (repeated sign-in failures, settings) and clears the
 * failure counts; a pause that follows the connection (reconnect needed) or
 * a disabled user stays until that is fixed, as the worker would only set it
 * again.
 */
export async function updateEmailAccount(
  db: Db,
  id: string,
  input: UpdateEmailAccountInput,
  caller: SignedInUser,
  ip?: string | null,
): Promise<PublicEmailAccount> {
  const data = parseOrThrow(updateEmailAccountInput, input);
  const current = await getEmailAccountOrThrow(db, id, caller);
  assertMaySetDefaultOutgoing(data.isDefaultOutgoing, caller);
  assertMayChangeDefaultOutgoing(current, data, caller);
  const merged = {
    authMethod: data.authMethod ?? current.authMethod,
    connectedAppId: data.connectedAppId !== undefined ? data.connectedAppId : current.connectedAppId,
    connectedUserId: data.connectedUserId !== undefined ? data.connectedUserId : current.connectedUserId,
    servicePrincipal: data.servicePrincipal ?? current.servicePrincipal,
    imap: data.imap ?? { host: current.imapHost, port: current.imapPort, security: current.imapSecurity },
    smtp: data.smtp ?? { host: current.smtpHost, port: current.smtpPort, security: current.smtpSecurity },
  };
  const connectedUserId = await checkAccountReferences(db, merged, caller, current.ownerId);
  // As with a Connected App's endpoints: a stored password goes only to the servers it was given for.
  // Moving a server (host, port or security) drops it unless the same request gives it again.
  const moved = (side: { host: string; port: number; security: string } | undefined, host: string, port: number, security: string) =>
    side !== undefined && (side.host !== host || side.port !== port || side.security !== security);
  const dropsPassword =
    data.password === undefined &&
    current.passwordSealed !== null &&
    (moved(data.imap, current.imapHost, current.imapPort, current.imapSecurity) || moved(data.smtp, current.smtpHost, current.smtpPort, current.smtpSecurity));
  const { account, clearedDefaultOutgoing } = await db.$transaction(async (tx) => {
    const cleared = data.isDefaultOutgoing ? await clearOtherDefaultOutgoing(tx, id) : [];
    const updated = await tx.emailAccount.update({
      where: { id },
      data: {
        emailAddress: data.emailAddress,
        displayName: data.displayName,
        authMethod: data.authMethod,
        ...(data.password !== undefined && { passwordSealed: data.password === null ? null : sealMailPassword(id, data.password) }),
        ...(dropsPassword && { passwordSealed: null }),
        connectedAppId: merged.authMethod === "oauth" ? merged.connectedAppId : null,
        connectedUserId,
        servicePrincipal: merged.authMethod === "oauth" && merged.servicePrincipal,
        ...(data.imap && { imapHost: data.imap.host, imapPort: data.imap.port, imapSecurity: data.imap.security, imapLogin: data.imap.login }),
        ...(data.smtp && { smtpHost: data.smtp.host, smtpPort: data.smtp.port, smtpSecurity: data.smtp.security, smtpLogin: data.smtp.login }),
        enableIncoming: data.enableIncoming,
        enableOutgoing: data.enableOutgoing,
        folders: data.folders,
        useIdle: data.useIdle,
        pollIntervalSeconds: data.pollIntervalSeconds,
        ...(data.initialSync && { initialSyncSince: data.initialSync.since ?? null, initialSyncNewest: data.initialSync.newest ?? null }),
        ...(data.sendLimits && { sendLimitPerMinute: data.sendLimits.perMinute, sendLimitConnections: data.sendLimits.connections }),
        alwaysUseAccountAddressAsSender: data.alwaysUseAccountAddressAsSender,
        alwaysUseAccountNameAsSenderName: data.alwaysUseAccountNameAsSenderName,
        isDefaultOutgoing: data.isDefaultOutgoing,
        appendToSent: data.appendToSent,
        sentFolder: data.sentFolder,
        ...(!pausedByReconciler(current.incomingPausedReason) && { incomingStatus: "active", incomingPausedReason: null }),
        ...(!pausedByReconciler(current.outgoingPausedReason) && { outgoingStatus: "active", outgoingPausedReason: null }),
        incomingFailures: 0,
        outgoingFailures: 0,
      },
    });
    return { account: updated, clearedDefaultOutgoing: cleared };
  });
  await recordAuditEvent(db, {
    actorId: caller.id,
    action: "email_account.update",
    targetType: "email_account",
    targetId: id,
    details: {
      changed: Object.keys(input).map((key) => (key === "password" ? "password" : key)),
      ...(dropsPassword && { storedCredentialDropped: true }),
      ...(clearedDefaultOutgoing.length > 0 && { clearedDefaultOutgoing }),
    },
    ip,
  });
  await announceAccountChanged(db, id);
  return toPublicEmailAccount(account);
}
