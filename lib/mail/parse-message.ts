import { simpleParser, type AddressObject, type EmailAddress, type ParsedMail } from "mailparser";
import { env } from "#lib/env";
import { sanitizeWithReport, type SanitizeOptions } from "./sanitize-html";

export interface ParsedAttachment {
  filename: string | null;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  content: Buffer;
  /** The Content-ID without angle brackets, for `cid:` links; not stored yet (no column). */
  contentId: string | null;
}

export interface ParsedMessage {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  /** "Name <addr>" (the name quoted when it holds `,` `;` `"` and the like) or the bare address. */
  from: string | null;
  to: string[];
  cc: string[];
  subject: string | null;
  date: Date | null;
  text: string | null;
  /** Already sanitised (lib/mail/sanitize-html.ts), inline images as data: URLs. */
  html: string | null;
  /** The start of the text (or of the HTML's words), on one line, for message lists. */
  preview: string;
  attachments: ParsedAttachment[];
  /** Why the body was not parsed; the headers may still be there. Null for a normal message. */
  skippedReason: string | null;
  /** The message is over the size limit: its raw source is not to be stored either. */
  tooLarge: boolean;
}

export interface ParseMessageOptions {
  /** Messages larger than this are not parsed. Default: MAIL_MAX_MESSAGE_BYTES. */
  maxBytes?: number;
  /**
   * The message's full size (IMAP RFC822.SIZE) when `raw` is only part of it,
   * e.g. the header block fetched alone for a message known to be too large.
   */
  size?: number;
  /** Keep the https sources of images (the viewer asked to see them; sanitize-html.ts). */
  remoteImages?: boolean;
}

// The header block of an oversized message is parsed only when it ends within
// this many bytes: more is not "cheap", and headers are rarely above 64 KB.
const HEADER_SCAN_BYTES = 256 * 1024;

// Inline (cid:) images become data: URLs in the HTML, so the message shows
// without a lookup table of Content-IDs (InboundAttachment has no such column).
// Past this many characters the remaining links stay cid: and the HTML stays small.
const MAX_INLINED_IMAGES_CHARS = 5 * 1024 * 1024;

// html-to-text on a huge HTML part (text for HTML-only mail) takes seconds; the
// text of such a message is then empty, the HTML is still there.
const MAX_HTML_TO_TEXT_CHARS = 2 * 1024 * 1024;

/**
 * Parses one raw message into the fields InboundMessage stores, every text
 * decoded to UTF-8. Never throws: a sync must move past any message, so a
 * failure is reported in `skippedReason` with whatever headers could be read.
 */
export async function parseMessage(raw: Buffer, options: ParseMessageOptions = {}): Promise<ParsedMessage> {
  const maxBytes = options.maxBytes ?? env().MAIL_MAX_MESSAGE_BYTES;
  const size = Math.max(options.size ?? 0, raw.length);
  if (size > maxBytes) {
    const headers = await parseHeadersOnly(raw);
    return { ...(headers ?? emptyMessage()), skippedReason: `larger than ${maxBytes} bytes (${size} bytes)`, tooLarge: true };
  }
  try {
    const mail = await simpleParser(raw, {
      keepCidLinks: false,
      maxInlinedImagesSize: MAX_INLINED_IMAGES_CHARS,
      maxHtmlLengthToParse: MAX_HTML_TO_TEXT_CHARS,
      // We keep neither textAsHtml nor attachment checksums: skip the work.
      skipTextToHtml: true,
      checksumAlgo: false,
    });
    return toParsedMessage(mail, raw, true, { remoteImages: options.remoteImages });
  } catch (error) {
    const reason = `unparseable: ${clean(error instanceof Error ? error.message : String(error))}`;
    const headers = await parseHeadersOnly(raw);
    return { ...(headers ?? emptyMessage()), skippedReason: reason, tooLarge: false };
  }
}

function emptyMessage(): ParsedMessage {
  return {
    messageId: null,
    inReplyTo: null,
    references: [],
    from: null,
    to: [],
    cc: [],
    subject: null,
    date: null,
    text: null,
    html: null,
    preview: "",
    attachments: [],
    skippedReason: null,
    tooLarge: false,
  };
}

const PREVIEW_LENGTH = 200;
const ENTITIES: Record<string, string> = { "&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

/** The first words of a message: its text, or failing that its HTML without tags, quoted lines ("> …") left out. */
export function previewOf(text: string | null, html: string | null): string {
  const source =
    text ??
    (html ?? "")
      .replace(/<(style|script|head)\b[\s\S]*?<\/\1>/gi, " ")
      .replace(/<[^>]*>/g, " ")
      .replace(/&(nbsp|amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);
  const lines = source.slice(0, PREVIEW_LENGTH * 20).split("\n").filter((line) => !line.trimStart().startsWith(">"));
  const words = lines.join(" ").replace(/\s+/g, " ").trim();
  return words.length > PREVIEW_LENGTH ? `${words.slice(0, PREVIEW_LENGTH - 1)}…` : words;
}

/** The header block alone, when it ends early in the message; null otherwise. */
async function parseHeadersOnly(raw: Buffer): Promise<ParsedMessage | null> {
  const head = raw.subarray(0, HEADER_SCAN_BYTES);
  const crlf = head.indexOf("\r\n\r\n");
  const lf = head.indexOf("\n\n");
  const ends = [crlf >= 0 ? crlf + 4 : -1, lf >= 0 ? lf + 2 : -1].filter((at) => at >= 0);
  // A message cut short in its headers (no blank line) still has them all when raw is small.
  const end = ends.length > 0 ? Math.min(...ends) : raw.length <= HEADER_SCAN_BYTES ? raw.length : -1;
  if (end < 0) return null;
  try {
    // Only the headers: a body-less copy cannot trip the MIME parser.
    const mail = await simpleParser(Buffer.concat([head.subarray(0, end), Buffer.from("\r\n")]), {
      skipTextToHtml: true,
      skipHtmlToText: true,
      checksumAlgo: false,
    });
    return toParsedMessage(mail, raw, false);
  } catch {
    return null;
  }
}

function toParsedMessage(mail: ParsedMail, raw: Buffer, withBody: boolean, sanitizing: SanitizeOptions = {}): ParsedMessage {
  const html = withBody && typeof mail.html === "string" ? sanitizeWithReport(clean(mail.html), sanitizing).html : null;
  const text = withBody && typeof mail.text === "string" ? clean(mail.text) : null;
  return {
    messageId: cleanOrNull(mail.messageId),
    inReplyTo: cleanOrNull(mail.inReplyTo),
    references: toList(mail.references),
    from: addresses(mail.from)[0] ?? null,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    subject: mail.subject === undefined ? null : clean(mail.subject),
    date: headerDate(mail, raw),
    text,
    html,
    preview: previewOf(text, html),
    attachments: withBody
      ? mail.attachments.map((attachment) => ({
          filename: cleanOrNull(attachment.filename),
          contentType: clean(attachment.contentType || "application/octet-stream"),
          size: attachment.content.length,
          content: attachment.content,
          contentId: cleanOrNull(attachment.cid),
        }))
      : [],
    skippedReason: null,
    tooLarge: false,
  };
}

/**
 * mailparser turns an unreadable Date header into the current time, which
 * would date an old message today: read it the way mailparser does and keep
 * null for a date it could not understand.
 */
function headerDate(mail: ParsedMail, raw: Buffer): Date | null {
  if (!mail.date) return null;
  const line = mail.headerLines?.find((header) => header.key === "date")?.line;
  if (line === undefined) {
    // headerLines should always be there; when not, look for the header ourselves.
    return /^date:/im.test(raw.subarray(0, HEADER_SCAN_BYTES).toString("latin1")) ? mail.date : null;
  }
  const value = line.replace(/^date:/i, "").replace(/\r?\n[ \t]+/g, " ").trim();
  return Number.isNaN(new Date(value).getTime()) ? null : mail.date;
}

function addresses(header: AddressObject | AddressObject[] | undefined): string[] {
  if (!header) return [];
  const objects = Array.isArray(header) ? header : [header];
  const out: string[] = [];
  const visit = (entry: EmailAddress) => {
    if (entry.group) {
      entry.group.forEach(visit);
      return;
    }
    const formatted = formatAddress(clean(entry.name ?? "").trim(), clean(entry.address ?? "").trim());
    if (formatted) out.push(formatted);
  };
  for (const object of objects) object.value.forEach(visit);
  return out;
}

function formatAddress(name: string, address: string): string | null {
  if (name && address) {
    // Quoted like a header would be, so the string can be parsed back as one address.
    const display = /[()<>[\]:;@\\,."]/.test(name) ? `"${name.replace(/(["\\])/g, "\\$1")}"` : name;
    return `${display} <${address}>`;
  }
  return address || name || null;
}

function toList(value: string | string[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((entry) => clean(entry).split(/\s+/)).filter(Boolean);
}

// PostgreSQL text columns reject NUL; it carries no meaning in mail text.
function clean(value: string): string {
  return value.includes("\u0000") ? value.replaceAll("\u0000", "") : value;
}

function cleanOrNull(value: string | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  const cleaned = clean(value).trim();
  return cleaned === "" ? null : cleaned;
}
