import type { Db } from "#lib/db";
import { AppError } from "#lib/errors";
import { parseOrThrow } from "#lib/validation";
import { queueOutboundRow } from "./enqueue-outbound-message";
import { outboundInput, type OutboundInput, type PublicOutboundMessage } from "./schemas";

export interface EnqueueSystemRequest {
  emailAccountId: string;
  /** The key is required: the app's own mail is queued from code paths that may run again, and must not go out twice. */
  input: OutboundInput & { idempotencyKey: string };
}

/**
 * Queues a message the app sends on its own behalf (a reconnect reminder):
 * no user asked for it, so there is no caller whose rights to check; the
 * code choosing the account (e.g. lib/notifications/email-owner.ts) is
 * responsible for that choice. Otherwise the same rules as a user's message:
 * validation, size limit, outgoing switch, idempotency.
 */
export async function enqueueSystemMessage(
  db: Db,
  { emailAccountId, input }: EnqueueSystemRequest,
): Promise<{ record: PublicOutboundMessage; created: boolean }> {
  const data = parseOrThrow(outboundInput, input);
  const account = await db.emailAccount.findUnique({ where: { id: emailAccountId } });
  if (!account) throw new AppError("not_found", "No such email account");
  return queueOutboundRow(db, account, data);
}
