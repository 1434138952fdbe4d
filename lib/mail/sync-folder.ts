import type { ImapFlow } from "imapflow";
import type { Db } from "#lib/db";
import { env } from "#lib/env";
import { logger } from "#lib/logger";
import type { ParsedMessage } from "./parse-message";
import { parseMessages, type ParseJob } from "./parse-pool";
import { resetFolderForNewUidValidity } from "./reset-folder-for-uidvalidity";
import { storeSyncedMessages, type SyncedMessage } from "./store-synced-messages";
import { syncSeenFlags } from "./sync-seen-flags";

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

// A batch is at most this many messages or bytes (one message over the byte
// bound is a batch of its own); a size FETCH covers SIZE_WINDOW UIDs.
const BATCH_MESSAGES = 200;
const BATCH_BYTES = 16 * 1024 * 1024;
const SIZE_WINDOW = 5000;
// Batches fetched ahead of the store: one being stored, one parsed, one fetched.
const PIPELINE_DEPTH = 3;

/**
 * Brings one folder up to date: every message with a UID above the stored
 * last UID is parsed and stored, batch by batch, each batch together with
 * the new last UID (lib/mail/store-synced-messages.ts), so a crash resumes
 * where it stopped and a repeat stores nothing twice. Batches flow through
 * three stages at once: while one is stored, the next is parsed on a parse
 * thread (lib/mail/parse-pool.ts) and the one after is fetched; stores stay
 * in UID order. A new UIDVALIDITY restarts the folder, skipping messages
 * already stored by Message-ID. The first sync of a folder honours the
 * account's initial window.
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
    // Noted before anything is fetched: flag changes from here on are asked for again next round (sync-seen-flags.ts).
    const modseqAtSelect = mailbox.highestModseq;
    let state = await db.mailboxState.findUnique({ where: { emailAccountId_folder: { emailAccountId: account.id, folder } } });
    if (state?.uidValidity != null && state.uidValidity !== uidValidity) {
      // The folder restarts at UID 0; storing skips messages already kept under the old UIDVALIDITY (by Message-ID).
      logger.info({ emailAccountId: account.id, folder, old: String(state.uidValidity), new: String(uidValidity) }, "UIDVALIDITY changed: resyncing folder");
      const reset = await resetFolderForNewUidValidity(db, { emailAccountId: account.id, folder, newUidValidity: uidValidity, lease });
      if (reset.fenced) throw new LeaseLostError("lease lost during UIDVALIDITY reset");
      state = await db.mailboxState.findUnique({ where: { emailAccountId_folder: { emailAccountId: account.id, folder } } });
    }
    // A folder that stayed selected since an earlier round (no IDLE, one folder) learns of new mail only
    // from a command: its count may still say empty. One NOOP asks; a non-empty count needs no asking
    // (the SEARCH below is a command too).
    if (mailbox.exists === 0) await client.noop();
    if (mailbox.exists === 0) {
      if (!state) await storeBatch(db, account.id, folder, uidValidity, lease, []);
      return { stored: 0 };
    }

    const uids = await pendingUids(client, account, state?.lastUid ?? null);
    const maxBytes = env().MAIL_MAX_MESSAGE_BYTES;
    const stored = await pipeline({
      fetch: () => fetchBatches(client, { emailAccountId: account.id, folder, uids, maxBytes }),
      parse: (fetched) => parseMessages(fetched.jobs, { maxBytes }),
      store: async (fetched, parsed) => {
        const result = await storeBatch(db, account.id, folder, uidValidity, lease, syncedMessages(fetched, parsed), BigInt(fetched.highestUid));
        return result.inserted;
      },
    });
    if (!state && uids.length === 0) await storeBatch(db, account.id, folder, uidValidity, lease, []);
    // Read or unread elsewhere since the last round (the messages stored in this round came with their flags).
    await syncSeenFlags(db, client, { emailAccountId: account.id, folder, uidValidity, knownModseq: state?.highestModseq ?? null, modseqAtSelect, firstRound: !state });
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
  messages: SyncedMessage[],
  lastSeenUid?: bigint,
) {
  const result = await storeSyncedMessages(db, { emailAccountId, folder, uidValidity, lease, messages, lastSeenUid });
  if (result.fenced) throw new LeaseLostError("another worker owns this account now");
  return result;
}

export interface FetchedBatch {
  uids: number[];
  jobs: ParseJob[];
  /** The server's \\Seen flag of each message, as fetched with it. */
  seen: boolean[];
  /** The batch's highest UID: last_uid moves to it even when a message in it is not stored. */
  highestUid: number;
}

/**
 * The fetch stage: the sources of `uids` of the selected folder in batches,
 * one IMAP command at a time (imapflow queues them anyway), so parsing and
 * storing of earlier batches go on meanwhile. The caller holds the folder's
 * mailbox lock.
 */
export async function* fetchBatches(
  client: ImapFlow,
  target: { emailAccountId: string; folder: string; uids: number[]; maxBytes: number },
): AsyncGenerator<FetchedBatch> {
  const { emailAccountId, folder, uids, maxBytes } = target;
  for (let start = 0; start < uids.length; start += SIZE_WINDOW) {
    const window = uids.slice(start, start + SIZE_WINDOW);
    const sizes = await messageSizes(client, window);
    for (const batch of batches(window, sizes, maxBytes)) yield await fetchBatch(client, emailAccountId, folder, batch, sizes, maxBytes);
  }
}

/** A fetched batch and its parse results, as the store stage takes them. */
export function syncedMessages(fetched: FetchedBatch, parsed: ParsedMessage[]): SyncedMessage[] {
  return fetched.jobs.map((job, index) => ({ uid: BigInt(fetched.uids[index]!), raw: job.raw, size: job.size, parsed: parsed[index]!, seen: fetched.seen[index]! }));
}

/** RFC822.SIZE of each UID, in one FETCH. */
async function messageSizes(client: ImapFlow, uids: number[]): Promise<Map<number, number>> {
  const sizes = new Map<number, number>();
  for await (const message of client.fetch(uids, { uid: true, size: true }, { uid: true })) sizes.set(message.uid, message.size ?? 0);
  return sizes;
}

/** Consecutive runs of UIDs bounded by BATCH_MESSAGES and BATCH_BYTES (messages over maxBytes count as their headers). */
function* batches(uids: number[], sizes: Map<number, number>, maxBytes: number): Generator<number[]> {
  let batch: number[] = [];
  let bytes = 0;
  for (const uid of uids) {
    const size = sizes.get(uid) ?? 0;
    const fetchedBytes = size > maxBytes ? 0 : size;
    if (batch.length > 0 && (batch.length >= BATCH_MESSAGES || bytes + fetchedBytes > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(uid);
    bytes += fetchedBytes;
  }
  if (batch.length > 0) yield batch;
}

/**
 * The sources of a batch; for a message over the limit only its header block
 * (From, Subject, Message-ID and the reason are kept, so the sync moves past it).
 * A UID that vanished meanwhile (expunged) is simply not in the result.
 */
async function fetchBatch(
  client: ImapFlow,
  emailAccountId: string,
  folder: string,
  batch: number[],
  sizes: Map<number, number>,
  maxBytes: number,
): Promise<FetchedBatch> {
  const fetched: FetchedBatch = { uids: [], jobs: [], seen: [], highestUid: Math.max(...batch) };
  const small = batch.filter((uid) => (sizes.get(uid) ?? 0) <= maxBytes);
  if (small.length > 0) {
    for await (const message of client.fetch(small, { uid: true, source: true, flags: true }, { uid: true })) {
      const raw = message.source ?? Buffer.alloc(0);
      fetched.uids.push(message.uid);
      fetched.seen.push(message.flags?.has("\\Seen") ?? false);
      fetched.jobs.push({ raw, size: sizes.get(message.uid) ?? raw.length });
    }
  }
  const large = batch.filter((uid) => (sizes.get(uid) ?? 0) > maxBytes);
  if (large.length > 0) {
    for await (const message of client.fetch(large, { uid: true, headers: true, flags: true }, { uid: true })) {
      const size = sizes.get(message.uid)!;
      fetched.seen.push(message.flags?.has("\\Seen") ?? false);
      logger.warn({ emailAccountId, folder, uid: message.uid, size }, "message larger than MAIL_MAX_MESSAGE_BYTES not stored whole");
      fetched.uids.push(message.uid);
      fetched.jobs.push({ raw: message.headers ?? Buffer.alloc(0), size });
    }
  }
  return fetched;
}

/**
 * Runs fetch → parse → store over the batches with the stages overlapping:
 * at most PIPELINE_DEPTH batches fetched but not yet stored (memory stays
 * bounded), stores one after another in order. The first failure stops the
 * fetching and is thrown once the store in flight has settled, so nothing
 * is written after the caller saw an error.
 */
async function pipeline(stages: {
  fetch: () => AsyncGenerator<FetchedBatch>;
  parse: (batch: FetchedBatch) => Promise<ParsedMessage[]>;
  store: (batch: FetchedBatch, parsed: ParsedMessage[]) => Promise<number>;
}): Promise<number> {
  let stored = 0;
  let storing: Promise<void> = Promise.resolve();
  const inFlight: Promise<void>[] = [];
  try {
    for await (const batch of stages.fetch()) {
      const parsing = stages.parse(batch);
      storing = storing.then(async () => {
        stored += await stages.store(batch, await parsing);
      });
      inFlight.push(storing);
      if (inFlight.length >= PIPELINE_DEPTH) await inFlight.shift();
    }
    await storing;
  } catch (error) {
    await storing.catch(() => {});
    throw error;
  }
  return stored;
}

/** UIDs to fetch: above the last stored one, or the initial window on a folder's first sync. */
export async function pendingUids(client: ImapFlow, account: SyncAccount, lastUid: bigint | null): Promise<number[]> {
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
