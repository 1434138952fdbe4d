import type { Db } from "#lib/db";
import { recordAuditEvent } from "#lib/audit/record-audit-event";
import type { SignedInUser } from "#lib/auth/sign-in";
import { getEmailAccountOrThrow } from "./get-email-account-or-throw";
import { announceAccountChanged } from "#lib/mail/notify-workers";

/** Deletes the account with its synced and queued messages (cascade); the worker drops its session on the next heartbeat. */
export async function deleteEmailAccount(db: Db, id: string, caller: SignedInUser, ip?: string | null): Promise<void> {
  const account = await getEmailAccountOrThrow(db, id, caller);
  await db.emailAccount.delete({ where: { id } });
  await announceAccountChanged(db, id);
  await recordAuditEvent(db, {
    actorId: caller.id,
    action: "email_account.delete",
    targetType: "email_account",
    targetId: id,
    details: { emailAddress: account.emailAddress },
    ip,
  });
}
