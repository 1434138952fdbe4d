import type Mail from "nodemailer/lib/mailer";
import type { Db } from "#lib/db";
import type { EmailAccount, OutboundAttachment } from "#lib/generated/prisma/client";
import type { ClaimedRow } from "./claim-outbound-rows";
import { parseSender, type Sender } from "./schemas";

/**
 * The nodemailer message of a queued row, with the account's sender rules:
 * "always use the account's address" keeps the requested sender in
 * X-Original-From and Reply-To; "always use the account's name" replaces the name.
 */

function senderOf(account: EmailAccount, requested: Sender | null): { from: Sender; original: Sender | null } {
  const own: Sender = account.displayName ? { name: account.displayName, address: account.emailAddress } : { address: account.emailAddress };
  let from: Sender = requested ?? own;
  let original: Sender | null = null;
  if (account.alwaysUseAccountAddressAsSender) {
    if (requested && requested.address.toLowerCase() !== account.emailAddress.toLowerCase()) original = requested;
    from = { ...from, address: account.emailAddress };
  }
  if (account.alwaysUseAccountNameAsSenderName) {
    from = account.displayName ? { name: account.displayName, address: from.address } : { address: from.address };
  }
  return { from, original };
}

function mailAddress(sender: Sender): Mail.Address | string {
  return sender.name ? { name: sender.name, address: sender.address } : sender.address;
}

/** RFC 2047 encoded words, each short enough for a folded header line and split between characters. */
function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = "";
  for (const character of text) {
    if (Buffer.byteLength(chunk + character) > 42) {
      words.push(chunk);
      chunk = "";
    }
    chunk += character;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word).toString("base64")}?=`).join(" ");
}

/**
 * An address header nodemailer does not know (it would encode the quotes of
 * an unstructured value): the name as an atom phrase, or as encoded words.
 */
function addressHeader(sender: Sender): { prepared: true; foldLines: true; value: string } {
  const phrase = !sender.name ? "" : /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(sender.name) ? sender.name : encodedWords(sender.name);
  return { prepared: true, foldLines: true, value: phrase ? `${phrase} <${sender.address}>` : sender.address };
}

export type StoredAttachment = Pick<OutboundAttachment, "filename" | "contentType" | "inline" | "contentId" | "content">;

/** A queued message's files, in order, as buildMail takes them (the drain and the Sent copies alike). */
export function loadAttachments(db: Db, outboundMessageId: string): Promise<StoredAttachment[]> {
  return db.outboundAttachment.findMany({
    where: { outboundMessageId },
    orderBy: { position: "asc" },
    select: { filename: true, contentType: true, inline: true, contentId: true, content: true },
  });
}

/** A stored file as nodemailer sends it: inline ones by Content-ID, shown in the HTML; the others as files. */
function mailAttachment(file: StoredAttachment): Mail.Attachment {
  return {
    filename: file.filename,
    contentType: file.contentType,
    content: Buffer.from(file.content),
    contentDisposition: file.inline ? "inline" : "attachment",
    ...(file.contentId ? { cid: file.contentId } : {}),
  };
}

/** The nodemailer message of a row: the same bytes on every try (Message-ID and Date fixed at enqueue). */
export function buildMail(account: EmailAccount, row: ClaimedRow, attachments: readonly StoredAttachment[] = []): Mail.Options {
  const { from, original } = senderOf(account, row.fromAddress ? parseSender(row.fromAddress) : null);
  const references = row.references.length > 0 ? row.references : row.inReplyTo ? [row.inReplyTo] : [];
  return {
    messageId: row.messageId,
    date: row.createdAt,
    from: mailAddress(from),
    ...(original ? { replyTo: mailAddress(original), headers: { "X-Original-From": addressHeader(original) } } : {}),
    to: row.toAddresses,
    ...(row.ccAddresses.length > 0 ? { cc: row.ccAddresses } : {}),
    ...(row.bccAddresses.length > 0 ? { bcc: row.bccAddresses } : {}),
    subject: row.subject,
    ...(row.text !== null ? { text: row.text } : {}),
    ...(row.html !== null ? { html: row.html } : {}),
    ...(row.inReplyTo ? { inReplyTo: row.inReplyTo } : {}),
    ...(references.length > 0 ? { references } : {}),
    ...(attachments.length > 0 ? { attachments: attachments.map(mailAttachment) } : {}),
    // After a partial delivery only the recipients that asked us to try again get the message again.
    envelope: {
      from: account.emailAddress,
      to: row.retryRecipients.length > 0 ? row.retryRecipients : [...row.toAddresses, ...row.ccAddresses, ...row.bccAddresses],
    },
  };
}
