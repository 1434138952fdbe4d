import type { ImapFlow } from "imapflow";
import type { Db } from "#lib/db";

/**
 * Keeps the read state of stored messages in step with the server's \Seen
 * flag (a message read or marked unread in Outlook or Gmail reads the same
 * here). With CONDSTORE (RFC 7162; Dovecot, Exchange Online and Gmail have
 * it) the server names the messages whose flags changed since the
 * HIGHESTMODSEQ we stored, so a round costs one small FETCH. A message
 * opened here stays read (readAt), whatever the server says. Runs inside the
 * folder's mailbox lock (sync-folder.ts); without CONDSTORE it does nothing.
 */
export async function syncSeenFlags(
  db: Db,
  client: ImapFlow,
  target: { emailAccountId: string; folder: string; uidValidity: bigint; lastUid: bigint; knownModseq: bigint | null },
): Promise<void> {
  const current = client.mailbox ? client.mailbox.highestModseq : undefined;
  if (!client.enabled.has("CONDSTORE") || current === undefined) return;
  let newest = current;
  if (target.knownModseq !== null && target.lastUid > 0n) {
    const uids: bigint[] = [];
    const seen: boolean[] = [];
    for await (const message of client.fetch(`1:${target.lastUid}`, { uid: true, flags: true }, { uid: true, changedSince: target.knownModseq })) {
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
