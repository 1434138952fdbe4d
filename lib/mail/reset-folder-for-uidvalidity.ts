import { randomUUID } from "node:crypto";
import type { Db } from "#lib/db";
import { holdsMailLease, type MailLease } from "./store-synced-messages";

/*
 * A new UIDVALIDITY means the server renumbered the folder: every UID we hold
 * for it is meaningless, so the folder is fetched again from UID 1.
 *
 * The rule that keeps the resync from storing everything twice: the rows
 * stored under the old UIDVALIDITY stay as they are (their key includes it),
 * and a message whose Message-ID is already stored in this folder under
 * another UIDVALIDITY is not stored again. storeSyncedMessages() applies the
 * rule in its INSERT, inside the transaction, so it holds even for a worker
 * that never calls knownMessageIds(); that helper only lets a worker skip
 * downloading such bodies (fetch ENVELOPE first, then pass the highest UID
 * looked at as `lastSeenUid`). A message without a Message-ID cannot be
 * recognised and is stored again.
 */

export interface ResetFolderInput {
  emailAccountId: string;
  folder: string;
  newUidValidity: bigint;
  lease: MailLease | null;
}

export interface ResetFolderResult {
  /** The lease moved to another worker or epoch: nothing was written. */
  fenced: boolean;
  /** False when the folder already had this UIDVALIDITY (a repeat changes nothing). */
  reset: boolean;
}

/** Records the folder's new UIDVALIDITY and restarts it at UID 0, under the same fencing as the sync. */
export async function resetFolderForNewUidValidity(db: Db, input: ResetFolderInput): Promise<ResetFolderResult> {
  const { emailAccountId, folder, newUidValidity, lease } = input;
  if (newUidValidity < 1n || newUidValidity > 0xffff_ffffn) {
    throw new RangeError(`UIDVALIDITY ${newUidValidity} is not a non-zero unsigned 32-bit number`);
  }
  return db.$transaction(async (tx) => {
    if (lease && !(await holdsMailLease(tx, emailAccountId, lease))) return { fenced: true, reset: false };
    // The WHERE makes a repeated call harmless: it must not send a folder that
    // is already resyncing under the new UIDVALIDITY back to UID 0.
    const rows = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO mailbox_states (id, email_account_id, folder, uid_validity, last_uid, highest_modseq, updated_at)
      VALUES (${randomUUID()}::uuid, ${emailAccountId}::uuid, ${folder}, ${newUidValidity}::int8, 0, NULL, now())
      ON CONFLICT (email_account_id, folder) DO UPDATE SET
        uid_validity = EXCLUDED.uid_validity, last_uid = 0, highest_modseq = NULL, updated_at = now()
      WHERE mailbox_states.uid_validity IS DISTINCT FROM EXCLUDED.uid_validity
      RETURNING id`;
    return { fenced: false, reset: rows.length > 0 };
  });
}

/**
 * The Message-IDs stored for this folder, to skip fetching bodies on a resync.
 * With `exceptUidValidity` (the folder's current one) only those stored under
 * other UIDVALIDITYs: exactly the ones storeSyncedMessages() would refuse.
 */
export async function knownMessageIds(
  db: Db,
  emailAccountId: string,
  folder: string,
  exceptUidValidity?: bigint,
): Promise<Set<string>> {
  // Raw SQL so the database does the DISTINCT (Prisma would dedupe in memory).
  const rows = await db.$queryRaw<{ message_id: string }[]>`
    SELECT DISTINCT message_id FROM inbound_messages
    WHERE email_account_id = ${emailAccountId}::uuid AND folder = ${folder} AND message_id IS NOT NULL
      AND (${exceptUidValidity ?? null}::int8 IS NULL OR uid_validity <> ${exceptUidValidity ?? null}::int8)`;
  return new Set(rows.map((row) => row.message_id));
}
