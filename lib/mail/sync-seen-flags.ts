import type { ImapFlow } from "imapflow";
import type { Db } from "#lib/db";

/**
 * Keeps the read state of stored messages in step with the server's \Seen
 * flag (a message read or marked unread in Outlook or Gmail reads the same
 * here). With CONDSTORE (RFC 7162; Dovecot, Exchange Online and Gmail have
 * it) the server names the messages whose flags changed since the
 * HIGHESTMODSEQ we stored, so a round costs one small FETCH; a folder synced
 * before this existed (no value stored) has every flag fetched once. The
 * value stored afterwards is the highest of the folder's HIGHESTMODSEQ noted
 * before this round fetched anything and the MODSEQs of the changes just
 * fetched over every UID: a change made after that fetch has a higher one and
 * is asked for next round, never
 * skipped. A message opened here stays read (readAt), whatever the server
 * says. Runs inside the folder's mailbox lock (sync-folder.ts); without
 * CONDSTORE it does nothing. Not fenced by the lease: the flags are the
 * server's, and a late write of them by a worker that lost the account
 * writes the same truth, at worst a moment old.
 */
export async function syncSeenFlags(
  db: Db,
  client: ImapFlow,
  target: { emailAccountId: string; folder: string; uidValidity: bigint; knownModseq: bigint | null; modseqAtSelect: bigint | undefined; firstRound: boolean },
): Promise<void> {
  if (!client.enabled.has("CONDSTORE") || target.modseqAtSelect === undefined) return;
  let newest = target.modseqAtSelect;
  // A folder's first round fetched every message with its flags just now: nothing to ask again.
  if (!target.firstRound) {
    const uids: bigint[] = [];
    const seen: boolean[] = [];
    const since = target.knownModseq === null ? {} : { changedSince: target.knownModseq };
    // Every UID (1:*), the ones stored this round included, so no change made while the round ran is missed.
    for await (const message of client.fetch("1:*", { uid: true, flags: true }, { uid: true, ...since })) {
      uids.push(BigInt(message.uid));
      seen.push(message.flags?.has("\\Seen") ?? false);
      if (message.modseq !== undefined && message.modseq > newest) newest = message.modseq;
    }
    if (uids.length > 0) {
      await db.$executeRaw`
        UPDATE inbound_messages AS m SET seen = c.seen OR m.read_at IS NOT NULL
          FROM unnest(${uids}::int8[], ${seen}::bool[]) AS c(uid, seen)
         WHERE m.email_account_id = ${target.emailAccountId}::uuid AND m.folder = ${target.folder}
           AND m.uid_validity = ${target.uidValidity}::int8 AND m.uid = c.uid
           AND m.seen IS DISTINCT FROM (c.seen OR m.read_at IS NOT NULL)`;
    }
  }
  if (target.knownModseq === null || newest > target.knownModseq) {
    // Only forward: a worker that lost the account and writes late cannot take it back.
    await db.$executeRaw`
      UPDATE mailbox_states SET highest_modseq = GREATEST(COALESCE(highest_modseq, 0), ${newest}::int8), updated_at = now()
       WHERE email_account_id = ${target.emailAccountId}::uuid AND folder = ${target.folder} AND uid_validity = ${target.uidValidity}::int8`;
  }
}
