import { randomUUID } from "node:crypto";
import pg from "pg";
import { poolOf, type Db } from "#lib/db";
import type { Prisma } from "#lib/generated/prisma/client";
import type { ParsedMessage } from "./parse-message";

export type Tx = Prisma.TransactionClient;

export interface MailLease {
  workerId: string;
  epoch: bigint;
}

export interface SyncedMessage {
  uid: bigint;
  /** The whole RFC 5322 source as fetched. */
  raw: Buffer;
  /** The server's RFC822.SIZE (raw may be only the headers of an oversized message). */
  size: number;
  parsed: ParsedMessage;
  /** The server's \\Seen flag when it was fetched. */
  seen: boolean;
}

export interface StoreSyncedMessagesInput {
  emailAccountId: string;
  folder: string;
  uidValidity: bigint;
  /** The caller's claim on the account; null only outside the worker (tests, CLI). */
  lease: MailLease | null;
  messages: SyncedMessage[];
  highestModseq?: bigint | null;
  /**
   * The highest UID the caller has looked at, stored or not (e.g. left out
   * because knownMessageIds() had it): last_uid moves past it too.
   */
  lastSeenUid?: bigint | null;
}

export interface StoreSyncedMessagesResult {
  inserted: number;
  /** Messages already stored: same UID, or same Message-ID under an older UIDVALIDITY. */
  duplicates: number;
  /** The lease moved to another worker or epoch: nothing (more) was written. */
  fenced: boolean;
}

// One transaction per slice of at most this many messages / bytes. 500 small
// messages take 50–120 ms here, far below any timeout, and larger slices were no
// faster; the byte bound keeps a run of 25 MB messages from building one huge
// parameter (the raw messages of a slice travel as one binary parameter).
const BATCH_MESSAGES = 500;
const BATCH_BYTES = 32 * 1024 * 1024;
// Headroom for a slice of large messages over a slow link. The lease row stays
// share-locked meanwhile, which only delays our own heartbeat.
const TRANSACTION_TIMEOUT_MS = 30_000;

const MAX_UINT32 = 0xffff_ffffn;
const MAX_INT4 = 2_147_483_647;

export class UidValidityMismatchError extends Error {
  constructor(folder: string, stored: bigint, given: bigint) {
    super(
      `Folder "${folder}" is recorded with UIDVALIDITY ${stored}, the messages carry ${given}: ` +
        "call resetFolderForNewUidValidity() before storing under a new UIDVALIDITY",
    );
    this.name = "UidValidityMismatchError";
  }
}

/**
 * Stores messages fetched from one folder and advances its MailboxState
 * (docs/architecture.md, "The mail worker"). Slices are stored in UID order, each in
 * one transaction with the MailboxState move, so a crash or an error leaves
 * last_uid at a point where everything below it is stored (the slices already
 * committed stay); a repeat inserts nothing.
 *
 * The transaction runs on a connection of the client's own pool with `pg`,
 * not through Prisma (ADR 0009): the raw messages and attachment contents of
 * a slice travel as one binary parameter each, cut apart by offset in SQL,
 * instead of as base64 in Prisma and hex text in PostgreSQL, which took most
 * of the ingest's time on real-sized mail.
 */
export async function storeSyncedMessages(db: Db, input: StoreSyncedMessagesInput): Promise<StoreSyncedMessagesResult> {
  checkUint32("UIDVALIDITY", input.uidValidity);
  for (const message of input.messages) checkUint32("UID", message.uid);
  if (input.lastSeenUid) checkUint32("UID", input.lastSeenUid);
  const sorted = [...input.messages].sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  const slices = slice(sorted);

  const result: StoreSyncedMessagesResult = { inserted: 0, duplicates: 0, fenced: false };
  for (const [index, messages] of slices.entries()) {
    const last = index === slices.length - 1;
    const outcome = await inTransaction(poolOf(db), (client) =>
      storeSlice(client, input, messages, {
        // The folder-wide values describe the state after the whole call: write them with the last slice.
        highestModseq: last ? (input.highestModseq ?? null) : null,
        lastSeenUid: last ? (input.lastSeenUid ?? null) : null,
      }),
    );
    if (outcome === "fenced") return { ...result, fenced: true };
    result.inserted += outcome;
    result.duplicates += messages.length - outcome;
  }
  return result;
}

/** BEGIN … COMMIT on one pooled connection; ROLLBACK on any error, which is then thrown. */
async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // A slice of large messages over a slow link gets time; the lease row stays share-locked meanwhile.
    await client.query(`SET LOCAL statement_timeout = ${TRANSACTION_TIMEOUT_MS}`);
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

function checkUint32(what: string, value: bigint): void {
  if (value < 1n || value > MAX_UINT32) throw new RangeError(`${what} ${value} is not a non-zero unsigned 32-bit number`);
}

function messageBytes(message: SyncedMessage): number {
  const { parsed } = message;
  let bytes = message.raw.length + (parsed.text?.length ?? 0) + (parsed.html?.length ?? 0);
  for (const attachment of parsed.attachments) bytes += attachment.size;
  return bytes;
}

/** Consecutive slices; always at least one (an empty call still moves MODSEQ and last_sync_at). */
function slice(messages: SyncedMessage[]): SyncedMessage[][] {
  const slices: SyncedMessage[][] = [];
  let current: SyncedMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageBytes(message);
    if (current.length > 0 && (current.length >= BATCH_MESSAGES || bytes + size > BATCH_BYTES)) {
      slices.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  slices.push(current);
  return slices;
}

/**
 * Fencing (ADR 0006): the lease row must still name this worker and epoch.
 * FOR SHARE holds off a takeover (and heartbeats) until our transaction ends,
 * while other folders of the same account can be stored alongside.
 */
const LEASE_ROW = `SELECT worker_id::text AS worker_id, epoch::text AS epoch FROM mail_account_leases WHERE email_account_id = $1::uuid FOR SHARE`;

function isLeaseHolder(row: { worker_id: string; epoch: string | bigint } | undefined, lease: MailLease): boolean {
  return row !== undefined && row.worker_id === lease.workerId.toLowerCase() && BigInt(row.epoch) === lease.epoch;
}

/** Fencing for writers on a Prisma transaction (reset-folder-for-uidvalidity.ts): see LEASE_ROW. */
export async function holdsMailLease(tx: Tx, emailAccountId: string, lease: MailLease): Promise<boolean> {
  const rows = await tx.$queryRawUnsafe<{ worker_id: string; epoch: string }[]>(LEASE_ROW, emailAccountId);
  return isLeaseHolder(rows[0], lease);
}

async function storeSlice(
  client: pg.PoolClient,
  input: StoreSyncedMessagesInput,
  messages: SyncedMessage[],
  folderState: { highestModseq: bigint | null; lastSeenUid: bigint | null },
): Promise<number | "fenced"> {
  const { emailAccountId, folder, uidValidity } = input;
  if (input.lease) {
    const { rows } = await client.query<{ worker_id: string; epoch: string }>(LEASE_ROW, [emailAccountId]);
    if (!isLeaseHolder(rows[0], input.lease)) return "fenced";
  }

  let lastUid = folderState.lastSeenUid ?? 0n;
  for (const message of messages) if (message.uid > lastUid) lastUid = message.uid;

  // MailboxState first: a folder recorded under another UIDVALIDITY stops the
  // slice before anything is written (the throw rolls the transaction back).
  const states = await client.query(
    `INSERT INTO mailbox_states (id, email_account_id, folder, uid_validity, last_uid, highest_modseq, updated_at)
     VALUES ($1::uuid, $2::uuid, $3, $4::int8, $5::int8, $6::int8, now())
     ON CONFLICT (email_account_id, folder) DO UPDATE SET
       uid_validity = EXCLUDED.uid_validity,
       -- Never backwards: a repeat or an out-of-order batch keeps the higher mark.
       last_uid = GREATEST(mailbox_states.last_uid, EXCLUDED.last_uid),
       highest_modseq = GREATEST(mailbox_states.highest_modseq, EXCLUDED.highest_modseq),
       updated_at = now()
     WHERE mailbox_states.uid_validity IS NULL OR mailbox_states.uid_validity = EXCLUDED.uid_validity
     RETURNING last_uid`,
    [randomUUID(), emailAccountId, folder, String(uidValidity), String(lastUid), folderState.highestModseq === null ? null : String(folderState.highestModseq)],
  );
  if (states.rowCount === 0) {
    const { rows } = await client.query<{ uid_validity: string | null }>(
      `SELECT uid_validity::text AS uid_validity FROM mailbox_states WHERE email_account_id = $1::uuid AND folder = $2`,
      [emailAccountId, folder],
    );
    throw new UidValidityMismatchError(folder, BigInt(rows[0]?.uid_validity ?? 0), uidValidity);
  }

  const inserted = messages.length > 0 ? await insertMessages(client, input, messages) : 0;

  await client.query(
    `UPDATE email_accounts SET messages_synced = messages_synced + $2::int4, last_sync_at = now(), updated_at = now() WHERE id = $1::uuid`,
    [emailAccountId, inserted],
  );
  return inserted;
}

/**
 * Byte strings laid end to end in one Buffer (sent as one binary parameter),
 * with each one's 1-based offset and length for SQL's substring().
 */
export function concatenated(parts: Buffer[]): { bytes: Buffer; offsets: number[]; lengths: number[] } {
  const offsets: number[] = [];
  const lengths: number[] = [];
  let position = 1;
  for (const part of parts) {
    offsets.push(position);
    lengths.push(part.length);
    position += part.length;
  }
  return { bytes: Buffer.concat(parts), offsets, lengths };
}

/** One INSERT … SELECT FROM unnest(…) per slice; returns how many rows went in. */
async function insertMessages(client: pg.PoolClient, input: StoreSyncedMessagesInput, messages: SyncedMessage[]): Promise<number> {
  const ids = messages.map(() => randomUUID());
  const column = <T>(pick: (message: SyncedMessage) => T): T[] => messages.map(pick);
  // text[] columns go as one array literal per row, cast by Postgres: a parameter
  // of arrays cannot be ragged, and a literal is cheaper to expand than JSON.
  const list = (values: string[]) => arrayLiteral(values);
  const raws = concatenated(column((m) => (m.parsed.tooLarge ? EMPTY : m.raw)));

  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO inbound_messages (
       id, email_account_id, folder, uid_validity, uid, message_id, in_reply_to, "references",
       from_address, to_addresses, cc_addresses, subject, date, size, text, html, raw, skipped_reason, preview, seen)
     SELECT m.id, $1::uuid, $2, $3::int8, m.uid,
       m.message_id, m.in_reply_to,
       m.refs::text[], m.from_address, m.to_list::text[], m.cc_list::text[],
       m.subject, m.date, m.size, m.text, m.html, substring($4::bytea FROM m.raw_offset FOR m.raw_length), m.skipped_reason, m.preview, m.seen
     FROM unnest(
       $5::uuid[], $6::int8[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
       $14::timestamptz[], $15::int4[], $16::text[], $17::text[], $18::int4[], $19::int4[], $20::text[], $21::text[], $22::bool[]
     ) AS m(id, uid, message_id, in_reply_to, refs, from_address, to_list, cc_list, subject, date, size, text, html,
            raw_offset, raw_length, skipped_reason, preview, seen)
     -- UIDVALIDITY resync (see reset-folder-for-uidvalidity.ts): a Message-ID already
     -- stored in this folder under another UIDVALIDITY is the same message again.
     WHERE m.message_id IS NULL OR NOT EXISTS (
       SELECT 1 FROM inbound_messages o
       WHERE o.email_account_id = $1::uuid AND o.message_id = m.message_id
         AND o.folder = $2 AND o.uid_validity <> $3::int8)
     ON CONFLICT (email_account_id, folder, uid_validity, uid) DO NOTHING
     RETURNING id::text AS id`,
    [
      input.emailAccountId,
      input.folder,
      String(input.uidValidity),
      raws.bytes,
      ids,
      column((m) => String(m.uid)),
      column((m) => m.parsed.messageId),
      column((m) => m.parsed.inReplyTo),
      column((m) => list(m.parsed.references)),
      column((m) => m.parsed.from),
      column((m) => list(m.parsed.to)),
      column((m) => list(m.parsed.cc)),
      column((m) => m.parsed.subject),
      column((m) => m.parsed.date?.toISOString() ?? null),
      column((m) => Math.min(Math.max(m.size, m.raw.length), MAX_INT4)),
      column((m) => m.parsed.text),
      column((m) => m.parsed.html),
      raws.offsets,
      raws.lengths,
      column((m) => m.parsed.skippedReason),
      column((m) => m.parsed.preview),
      column((m) => m.seen),
    ],
  );
  if (rows.length === 0) return 0;

  const insertedIds = new Set(rows.map((row) => row.id));
  const attachments = messages.flatMap((message, index) =>
    insertedIds.has(ids[index]!) ? message.parsed.attachments.map((attachment) => ({ messageId: ids[index]!, attachment })) : [],
  );
  if (attachments.length > 0) {
    const contents = concatenated(attachments.map((a) => a.attachment.content));
    await client.query(
      `INSERT INTO inbound_attachments (id, inbound_message_id, filename, content_type, size, content)
       SELECT a.id, a.message_id, a.filename, a.content_type, a.size, substring($1::bytea FROM a.content_offset FOR a.size)
         FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int4[], $7::int4[])
           AS a(id, message_id, filename, content_type, size, content_offset)`,
      [
        contents.bytes,
        attachments.map(() => randomUUID()),
        attachments.map((a) => a.messageId),
        attachments.map((a) => a.attachment.filename),
        attachments.map((a) => a.attachment.contentType),
        contents.lengths,
        contents.offsets,
      ],
    );
  }
  return rows.length;
}

const EMPTY = Buffer.alloc(0);

/** A Postgres text[] literal; every element is quoted, so only double quotes and backslashes need escaping. */
export function arrayLiteral(values: string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
}
