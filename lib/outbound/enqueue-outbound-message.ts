import { randomUUID } from "node:crypto";
import type { Db } from "#lib/db";
import { env } from "#lib/env";
import { AppError } from "#lib/errors";
import { Prisma, type EmailAccount, type OutboundAttachment, type OutboundMessage } from "#lib/generated/prisma/client";
import type { SignedInUser } from "#lib/auth/sign-in";
import { getEmailAccountOrThrow } from "#lib/email-accounts/get-email-account-or-throw";
import { logger } from "#lib/logger";
import { parseOrThrow } from "#lib/validation";
import { wakeOutboundDrain } from "./wake-outbound-drain";
import { prepareAttachments, tooLarge, type PreparedAttachment } from "./prepare-attachments";
import {
  outboundInput,
  publicAttachmentSelect,
  toPublicOutboundMessage,
  type OutboundInput,
  type ParsedOutboundInput,
  type PublicOutboundMessage,
} from "./schemas";

export interface EnqueueOutboundRequest {
  emailAccountId: string;
  input: OutboundInput;
  caller: SignedInUser;
}

/**
 * Queues a message for sending: the row (with its Message-ID, fixed now so
 * every retry is the same message) and a drain job for the account. Nothing
 * is stored when the input, the account or the size is refused. The same
 * idempotency key returns the first record; the unique index makes that hold
 * for concurrent requests too.
 */
export async function enqueueOutboundMessage(
  db: Db,
  { emailAccountId, input, caller }: EnqueueOutboundRequest,
): Promise<{ record: PublicOutboundMessage; created: boolean }> {
  const data = parseOrThrow(outboundInput, input);
  const account = await getEmailAccountOrThrow(db, emailAccountId, caller);
  const attachments = await prepareAttachments(db, data.attachments ?? [], caller, env().MAIL_MAX_MESSAGE_BYTES);
  return queueOutboundRow(db, account, data, attachments);
}

/**
 * The part shared by every sender (a user's request, the app's own mail in
 * enqueue-system-message.ts): for an account the caller has already chosen
 * and checked, the idempotent insert of the row and the wake-up of its drain.
 */
export async function queueOutboundRow(
  db: Db,
  account: EmailAccount,
  data: ParsedOutboundInput,
  attachments: readonly PreparedAttachment[] = [],
): Promise<{ record: PublicOutboundMessage; created: boolean }> {
  if (data.idempotencyKey) {
    const existing = await findByKey(db, account.id, data.idempotencyKey);
    if (existing) return replay(existing, data, attachments);
  }
  if (!account.enableOutgoing) {
    throw new AppError("conflict", `Sending is turned off for ${account.emailAddress}: turn on outgoing mail for the account first`);
  }
  const limit = env().MAIL_MAX_MESSAGE_BYTES;
  const size = estimatedSize(data, attachments);
  if (size > limit) throw tooLarge(size, limit);
  let row: StoredOutbound;
  try {
    row = await db.outboundMessage.create({
      data: {
        emailAccountId: account.id,
        messageId: `<${randomUUID()}@${domainOf(account.emailAddress)}>`,
        idempotencyKey: data.idempotencyKey ?? null,
        fromAddress: data.from ?? null,
        toAddresses: data.to,
        ccAddresses: data.cc ?? [],
        bccAddresses: data.bcc ?? [],
        subject: data.subject,
        text: data.text ?? null,
        html: data.html ?? null,
        inReplyTo: data.inReplyTo ?? null,
        references: data.references ?? [],
        // In the same statement's transaction: a message is never queued without its files.
        attachments: { create: attachments.map((file) => ({ ...file, content: new Uint8Array(file.content) })) },
      },
      include: { attachments: { select: ATTACHMENT_COMPARED, orderBy: { position: "asc" } } },
    });
  } catch (error) {
    // A concurrent request with the same key won the insert.
    if (data.idempotencyKey && error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const existing = await findByKey(db, account.id, data.idempotencyKey);
      if (existing) return replay(existing, data, attachments);
    }
    throw error;
  }
  await wake(row.emailAccountId);
  return { record: toPublicOutboundMessage(row), created: true };
}

/** What of a stored file a replay compares (and the API shows). */
const ATTACHMENT_COMPARED = { ...publicAttachmentSelect, contentId: true, sha256: true } as const;
type StoredOutbound = OutboundMessage & { attachments: Pick<OutboundAttachment, keyof typeof ATTACHMENT_COMPARED>[] };

function findByKey(db: Db, emailAccountId: string, idempotencyKey: string): Promise<StoredOutbound | null> {
  return db.outboundMessage.findUnique({
    where: { emailAccountId_idempotencyKey: { emailAccountId, idempotencyKey } },
    include: { attachments: { select: ATTACHMENT_COMPARED, orderBy: { position: "asc" } } },
  });
}

async function replay(
  row: StoredOutbound,
  data: ParsedOutboundInput,
  attachments: readonly PreparedAttachment[],
): Promise<{ record: PublicOutboundMessage; created: boolean }> {
  if (!sameMessage(row, data) || !sameAttachments(row.attachments, attachments)) {
    throw new AppError("conflict", "This idempotencyKey was already used for a different message: use a new key for a new message");
  }
  // The first request may have stopped between its insert and its job.
  if (row.status === "queued") await wake(row.emailAccountId);
  return { record: toPublicOutboundMessage(row), created: false };
}

function sameList(a: readonly string[], b: readonly string[] | undefined): boolean {
  const other = b ?? [];
  return a.length === other.length && a.every((value, index) => value === other[index]);
}

function sameMessage(row: OutboundMessage, data: ParsedOutboundInput): boolean {
  return (
    sameList(row.toAddresses, data.to) &&
    sameList(row.ccAddresses, data.cc) &&
    sameList(row.bccAddresses, data.bcc) &&
    sameList(row.references, data.references) &&
    row.subject === data.subject &&
    row.text === (data.text ?? null) &&
    row.html === (data.html ?? null) &&
    row.fromAddress === (data.from ?? null) &&
    row.inReplyTo === (data.inReplyTo ?? null)
  );
}

function sameAttachments(stored: StoredOutbound["attachments"], given: readonly PreparedAttachment[]): boolean {
  return (
    stored.length === given.length &&
    stored.every(
      (file, index) =>
        file.sha256 === given[index]!.sha256 &&
        file.filename === given[index]!.filename &&
        file.contentType === given[index]!.contentType &&
        file.inline === given[index]!.inline &&
        file.contentId === given[index]!.contentId,
    )
  );
}

async function wake(emailAccountId: string): Promise<void> {
  try {
    await wakeOutboundDrain(emailAccountId);
  } catch (error) {
    // The row is stored: the outbound sweep drains the account within a minute.
    logger.warn({ err: error, emailAccountId }, "could not queue the send job; the sweep will send the message");
  }
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}

/**
 * The size on the wire, from above: bodies and files may go out
 * base64-encoded (4/3, plus a line break every 76 characters), headers and
 * MIME boundaries take a few hundred bytes more (per file too).
 */
export function estimatedSize(data: ParsedOutboundInput, attachments: readonly Pick<PreparedAttachment, "size" | "filename">[] = []): number {
  const encoded = (bytes: number) => Math.ceil((bytes * 4) / 3) * (78 / 76);
  const addresses = [...data.to, ...(data.cc ?? []), ...(data.bcc ?? [])].reduce((sum, address) => sum + address.length + 2, 0);
  const references = (data.references ?? []).reduce((sum, id) => sum + id.length + 1, 0);
  const body = encoded(Buffer.byteLength(data.text ?? "")) + encoded(Buffer.byteLength(data.html ?? ""));
  const files = attachments.reduce((sum, file) => sum + 300 + Buffer.byteLength(file.filename) * 3 + encoded(file.size), 0);
  return Math.ceil(2048 + addresses + references + Buffer.byteLength(data.subject) * 2 + body + files);
}
