import { randomUUID } from "node:crypto";
import type { Db } from "#lib/db";
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
// statement (bytea travels as base64 through Prisma, then as hex to Postgres).
const BATCH_MESSAGES = 500;
const BATCH_BYTES = 32 * 1024 * 1024;
// Headroom for a slice of large messages over a slow link. The lease row stays
// share-locked meanwhile, which only delays our own heartbeat.
const TRANSACTION_OPTIONS = { timeout: 30_000, maxWait: 10_000 };

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
    const outcome = await db.$transaction(
      (tx) =>
        storeSlice(tx, input, messages, {
          // The folder-wide values describe the state after the whole call: write them with the last slice.
          highestModseq: last ? (input.highestModseq ?? null) : null,
          lastSeenUid: last ? (input.lastSeenUid ?? null) : null,
        }),
      TRANSACTION_OPTIONS,
    );
    if (outcome === "fenced") return { ...result, fenced: true };
    result.inserted += outcome;
    result.duplicates += messages.length - outcome;
  }
  return result;
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
 * Fencing (ADR 0006): true when the account's lease row still
 * names this worker and epoch. FOR SHARE holds off a takeover (and heartbeats)
 * until our transaction ends, while other folders of the same account can be
 * stored alongside.
 */
export async function holdsMailLease(tx: Tx, emailAccountId: string, lease: MailLease): Promise<boolean> {
  const rows = await tx.$queryRaw<{ worker_id: string; epoch: bigint }[]>`
    SELECT worker_id::text AS worker_id, epoch FROM mail_account_leases
    WHERE email_account_id = ${emailAccountId}::uuid
    FOR SHARE`;
  const row = rows[0];
  return row !== undefined && row.worker_id === lease.workerId.toLowerCase() && row.epoch === lease.epoch;
}

async function storeSlice(
  tx: Tx,
  input: StoreSyncedMessagesInput,
  messages: SyncedMessage[],
  folderState: { highestModseq: bigint | null; lastSeenUid: bigint | null },
): Promise<number | "fenced"> {
  const { emailAccountId, folder, uidValidity } = input;
  if (input.lease && !(await holdsMailLease(tx, emailAccountId, input.lease))) return "fenced";

  let lastUid = folderState.lastSeenUid ?? 0n;
  for (const message of messages) if (message.uid > lastUid) lastUid = message.uid;

  // MailboxState first: a folder recorded under another UIDVALIDITY stops the
  // slice before anything is written (the throw rolls the transaction back).
  const states = await tx.$queryRaw<{ last_uid: bigint }[]>`
    INSERT INTO mailbox_states (id, email_account_id, folder, uid_validity, last_uid, highest_modseq, updated_at)
    VALUES (${randomUUID()}::uuid, ${emailAccountId}::uuid, ${folder}, ${uidValidity}::int8, ${lastUid}::int8,
            ${folderState.highestModseq}::int8, now())
    ON CONFLICT (email_account_id, folder) DO UPDATE SET
      uid_validity = EXCLUDED.uid_validity,
      -- Never backwards: a repeat or an out-of-order batch keeps the higher mark.
      last_uid = GREATEST(mailbox_states.last_uid, EXCLUDED.last_uid),
      highest_modseq = GREATEST(mailbox_states.highest_modseq, EXCLUDED.highest_modseq),
      updated_at = now()
    WHERE mailbox_states.uid_validity IS NULL OR mailbox_states.uid_validity = EXCLUDED.uid_validity
    RETURNING last_uid`;
  if (states.length === 0) {
    const stored = await tx.mailboxState.findUniqueOrThrow({
      where: { emailAccountId_folder: { emailAccountId, folder } },
      select: { uidValidity: true },
    });
    throw new UidValidityMismatchError(folder, stored.uidValidity ?? 0n, uidValidity);
  }

  const inserted = messages.length > 0 ? await insertMessages(tx, input, messages) : 0;

  await tx.$executeRaw`
    UPDATE email_accounts
    SET messages_synced = messages_synced + ${inserted}::int4, last_sync_at = now(), updated_at = now()
    WHERE id = ${emailAccountId}::uuid`;
  return inserted;
}

/** One INSERT … SELECT FROM unnest(…) per slice; returns how many rows went in. */
async function insertMessages(tx: Tx, input: StoreSyncedMessagesInput, messages: SyncedMessage[]): Promise<number> {
  const ids = messages.map(() => randomUUID());
  const column = <T>(pick: (message: SyncedMessage) => T): T[] => messages.map(pick);
  // text[] columns go as one array literal per row, cast by Postgres: a parameter
  // of arrays cannot be ragged, and a literal is cheaper to expand than JSON.
  const list = (values: string[]) => arrayLiteral(values);

  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO inbound_messages (
      id, email_account_id, folder, uid_validity, uid, message_id, in_reply_to, "references",
      from_address, to_addresses, cc_addresses, subject, date, size, text, html, raw, skipped_reason, preview, seen)
    SELECT m.id, ${input.emailAccountId}::uuid, ${input.folder}, ${input.uidValidity}::int8, m.uid,
      m.message_id, m.in_reply_to,
      m.refs::text[], m.from_address, m.to_list::text[], m.cc_list::text[],
      m.subject, m.date, m.size, m.text, m.html, m.raw, m.skipped_reason, m.preview, m.seen
    FROM unnest(
      ${ids}::uuid[], ${column((m) => m.uid)}::int8[], ${column((m) => m.parsed.messageId)}::text[],
      ${column((m) => m.parsed.inReplyTo)}::text[], ${column((m) => list(m.parsed.references))}::text[],
      ${column((m) => m.parsed.from)}::text[], ${column((m) => list(m.parsed.to))}::text[],
      ${column((m) => list(m.parsed.cc))}::text[], ${column((m) => m.parsed.subject)}::text[],
      ${column((m) => m.parsed.date?.toISOString() ?? null)}::timestamptz[],
      ${column((m) => Math.min(Math.max(m.size, m.raw.length), MAX_INT4))}::int4[],
      ${column((m) => m.parsed.text)}::text[], ${column((m) => m.parsed.html)}::text[],
      ${column((m) => (m.parsed.tooLarge ? EMPTY : m.raw))}::bytea[], ${column((m) => m.parsed.skippedReason)}::text[],
      ${column((m) => m.parsed.preview)}::text[], ${column((m) => m.seen)}::bool[]
    ) AS m(id, uid, message_id, in_reply_to, refs, from_address, to_list, cc_list, subject, date, size, text, html, raw, skipped_reason, preview, seen)
    -- UIDVALIDITY resync (see reset-folder-for-uidvalidity.ts): a Message-ID already
    -- stored in this folder under another UIDVALIDITY is the same message again.
    WHERE m.message_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM inbound_messages o
      WHERE o.email_account_id = ${input.emailAccountId}::uuid AND o.message_id = m.message_id
        AND o.folder = ${input.folder} AND o.uid_validity <> ${input.uidValidity}::int8)
    ON CONFLICT (email_account_id, folder, uid_validity, uid) DO NOTHING
    RETURNING id`;
  if (rows.length === 0) return 0;

  const insertedIds = new Set(rows.map((row) => row.id));
  const attachments = messages.flatMap((message, index) =>
    insertedIds.has(ids[index]!) ? message.parsed.attachments.map((attachment) => ({ messageId: ids[index]!, attachment })) : [],
  );
  if (attachments.length > 0) {
    await tx.$executeRaw`
      INSERT INTO inbound_attachments (id, inbound_message_id, filename, content_type, size, content)
      SELECT * FROM unnest(
        ${attachments.map(() => randomUUID())}::uuid[], ${attachments.map((a) => a.messageId)}::uuid[],
        ${attachments.map((a) => a.attachment.filename)}::text[], ${attachments.map((a) => a.attachment.contentType)}::text[],
        ${attachments.map((a) => a.attachment.content.length)}::int4[], ${attachments.map((a) => a.attachment.content)}::bytea[])`;
  }
  return rows.length;
}

const EMPTY = Buffer.alloc(0);

/** A Postgres text[] literal; every element is quoted, so only double quotes and backslashes need escaping. */
export function arrayLiteral(values: string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
}
