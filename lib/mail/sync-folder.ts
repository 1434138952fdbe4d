import type { ImapFlow } from "imapflow";
import type { Db } from "../db";
import { env } from "../env";
import { logger } from "../logger";
import { parseMessage } from "./parse-message";
import { resetFolderForNewUidValidity } from "./reset-folder-for-uidvalidity";
import { storeSyncedMessages } from "./store-synced-messages";

export interface SyncLease {
  workerId: string;
  epoch: bigint;
}

export interface SyncAccount {
  id: string;
  initialSyncSince: Date | null;
  initialSyncNewest: number | null;
}

/** Our claim on the account was taken over: stop writing, drop the session. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

const BATCH = 200;

/**
 * Brings one folder up to date: every message with a UID above the stored
 * last UID is parsed and stored, batch by batch, each batch together with
 * the new last UID (lib/mail/store-synced-messages.ts), so a crash resumes
 * where it stopped and a repeat stores nothing twice. A new UIDVALIDITY
 * restarts the folder, skipping messages already stored by Message-ID. The
 * first sync of a folder honours the account's initial window.
 */
export async function syncFolder(
  db: Db,
  client: ImapFlow,
  account: SyncAccount,
  folder: string,
  lease: SyncLease | null,
): Promise<{ stored: number }> {
  const lock = await client.getMailboxLock(folder);
  try {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error(`Folder ${folder} did not open`);
    const uidValidity = BigInt(mailbox.uidValidity);
    let state = await db.mailboxState.findUnique({ where: { emailAccountId_folder: { emailAccountId: account.id, folder } } });
    if (state?.uidValidity != null && state.uidValidity !== uidValidity) {
      // The folder restarts at UID 0; storing skips messages already kept under the old UIDVALIDITY (by Message-ID).
      logger.info({ emailAccountId: account.id, folder, old: String(state.uidValidity), new: String(uidValidity) }, "UIDVALIDITY changed: resyncing folder");
      const reset = await resetFolderForNewUidValidity(db, { emailAccountId: account.id, folder, newUidValidity: uidValidity, lease });
      if (reset.fenced) throw new LeaseLostError("lease lost during UIDVALIDITY reset");
      state = await db.mailboxState.findUnique({ where: { emailAccountId_folder: { emailAccountId: account.id, folder } } });
    }
    if (mailbox.exists === 0) {
      if (!state) await storeBatch(db, account.id, folder, uidValidity, lease, []);
      return { stored: 0 };
    }

    const uids = await pendingUids(client, account, state?.lastUid ?? null);
    const maxBytes = env().MAIL_MAX_MESSAGE_BYTES;
    let stored = 0;
    for (let start = 0; start < uids.length; start += BATCH) {
      const chunk = uids.slice(start, start + BATCH);
      const sizes = new Map<number, number>();
      for await (const message of client.fetch(chunk, { uid: true, size: true }, { uid: true })) {
        sizes.set(message.uid, message.size ?? 0);
      }
      const small = chunk.filter((uid) => (sizes.get(uid) ?? 0) <= maxBytes);
      const messages: Parameters<typeof storeSyncedMessages>[1]["messages"] = [];
      if (small.length > 0) {
        for await (const message of client.fetch(small, { uid: true, source: true }, { uid: true })) {
          const raw = message.source ?? Buffer.alloc(0);
          const parsed = await parseMessage(raw, { maxBytes });
          messages.push({ uid: BigInt(message.uid), raw, size: sizes.get(message.uid) ?? raw.length, parsed });
        }
      }
      const large = chunk.filter((uid) => (sizes.get(uid) ?? 0) > maxBytes);
      if (large.length > 0) {
        // Too large to store: keep the headers (From, Subject, Message-ID) and the reason, so the sync moves past it.
        for await (const message of client.fetch(large, { uid: true, headers: true }, { uid: true })) {
          const size = sizes.get(message.uid)!;
          logger.warn({ emailAccountId: account.id, folder, uid: message.uid, size }, "message larger than MAIL_MAX_MESSAGE_BYTES not stored whole");
          const headers = message.headers ?? Buffer.alloc(0);
          messages.push({ uid: BigInt(message.uid), raw: headers, size, parsed: await parseMessage(headers, { maxBytes, size }) });
        }
      }
      const result = await storeBatch(db, account.id, folder, uidValidity, lease, messages, BigInt(Math.max(...chunk)));
      stored += result.inserted;
    }
    if (!state && uids.length === 0) await storeBatch(db, account.id, folder, uidValidity, lease, []);
    return { stored };
  } finally {
    lock.release();
  }
}

async function storeBatch(
  db: Db,
  emailAccountId: string,
  folder: string,
  uidValidity: bigint,
  lease: SyncLease | null,
  messages: Parameters<typeof storeSyncedMessages>[1]["messages"],
  lastSeenUid?: bigint,
) {
  const result = await storeSyncedMessages(db, { emailAccountId, folder, uidValidity, lease, messages, lastSeenUid });
  if (result.fenced) throw new LeaseLostError("another worker owns this account now");
  return result;
}

/** UIDs to fetch: above the last stored one, or the initial window on a folder's first sync. */
async function pendingUids(client: ImapFlow, account: SyncAccount, lastUid: bigint | null): Promise<number[]> {
  if (lastUid !== null) {
    const found = (await client.search({ uid: `${lastUid + 1n}:*` }, { uid: true })) || [];
    // "n:*" always matches the highest UID, even below n.
    return found.filter((uid) => BigInt(uid) > lastUid).sort((a, b) => a - b);
  }
  if (account.initialSyncSince) {
    return ((await client.search({ since: account.initialSyncSince }, { uid: true })) || []).sort((a, b) => a - b);
  }
  const all = ((await client.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
  return account.initialSyncNewest ? all.slice(-account.initialSyncNewest) : all;
}
