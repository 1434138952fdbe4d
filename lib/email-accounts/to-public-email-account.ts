import type { EmailAccount } from "#lib/generated/prisma/client";
import type { PublicEmailAccount } from "./schemas";

/** The API shape: never the password, only whether one is set. */
export function toPublicEmailAccount(account: EmailAccount): PublicEmailAccount {
  return {
    id: account.id,
    ownerId: account.ownerId,
    emailAddress: account.emailAddress,
    displayName: account.displayName,
    authMethod: account.authMethod,
    passwordSet: account.passwordSealed !== null,
    connectedAppId: account.connectedAppId,
    connectedUserId: account.connectedUserId,
    servicePrincipal: account.servicePrincipal,
    imap: { host: account.imapHost, port: account.imapPort, security: account.imapSecurity, login: account.imapLogin },
    smtp: { host: account.smtpHost, port: account.smtpPort, security: account.smtpSecurity, login: account.smtpLogin },
    enableIncoming: account.enableIncoming,
    enableOutgoing: account.enableOutgoing,
    folders: account.folders,
    useIdle: account.useIdle,
    pollIntervalSeconds: account.pollIntervalSeconds,
    initialSync: {
      ...(account.initialSyncSince ? { since: account.initialSyncSince.toISOString() } : {}),
      ...(account.initialSyncNewest ? { newest: account.initialSyncNewest } : {}),
    },
    sendLimits: { perMinute: account.sendLimitPerMinute, connections: account.sendLimitConnections },
    alwaysUseAccountAddressAsSender: account.alwaysUseAccountAddressAsSender,
    alwaysUseAccountNameAsSenderName: account.alwaysUseAccountNameAsSenderName,
    isDefaultOutgoing: account.isDefaultOutgoing,
    appendToSent: account.appendToSent,
    sentFolder: account.sentFolder,
    incomingStatus: account.incomingStatus,
    outgoingStatus: account.outgoingStatus,
    incomingPausedReason: account.incomingPausedReason,
    outgoingPausedReason: account.outgoingPausedReason,
    lastError: account.lastError,
    lastSyncAt: account.lastSyncAt?.toISOString() ?? null,
    messagesSynced: account.messagesSynced,
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}
