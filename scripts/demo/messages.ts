import { randomUUID } from "node:crypto";
import { simpleParser } from "mailparser";
import type { TestDovecot } from "#tests/support/dovecot";
import type { TestSmtpServer } from "#tests/support/smtp-server";
import { LETTERS, WELCOME, type Letter } from "./letters";

function encodedWord(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, "utf8").toString("base64")}?=`;
}

function addressHeader(person: Letter["from"]): string {
  const name = /^[\x20-\x7e]*$/.test(person.name) ? `"${person.name.replace(/["\\]/g, "")}"` : encodedWord(person.name);
  return `${name} <${person.address}>`;
}

const crlf = (text: string) => text.replace(/\r?\n/g, "\r\n");

function multipart(kind: "alternative" | "mixed", parts: string[][]): string[] {
  const boundary = `=_demo_${kind}_${randomUUID()}`;
  return [`Content-Type: multipart/${kind}; boundary="${boundary}"`, "", ...parts.flatMap((part) => [`--${boundary}`, ...part]), `--${boundary}--`];
}

/** A raw RFC 5322 message, as a sender's mail server would deliver it. */
function compose(letter: Letter, to: string, ids: { messageId: string; inReplyTo?: string; references?: string }): string {
  const text = ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", crlf(letter.text)];
  let body = letter.html ? multipart("alternative", [text, ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", crlf(letter.html)]]) : text;
  if (letter.attachment) {
    const { filename, contentType, content } = letter.attachment;
    const base64 = Buffer.from(content, "utf8").toString("base64").replace(/.{76}/g, "$&\r\n");
    body = multipart("mixed", [body, [`Content-Type: ${contentType}; name="${filename}"`, `Content-Disposition: attachment; filename="${filename}"`, "Content-Transfer-Encoding: base64", "", base64]]);
  }
  return [
    `From: ${addressHeader(letter.from)}`,
    `To: ${to}`,
    `Subject: ${encodedWord(letter.subject)}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${ids.messageId}`,
    ...(ids.inReplyTo ? [`In-Reply-To: ${ids.inReplyTo}`, `References: ${ids.references ?? ids.inReplyTo}`] : []),
    "MIME-Version: 1.0",
    ...body,
    "",
  ].join("\r\n");
}

export interface MailRoom {
  /** Stops the drip, the watch on sent mail and pending answers. */
  stop(): void;
}

/**
 * The demo mailbox's outside world: a welcome message at once, then a letter
 * every `everySeconds` (delivered straight into the Maildir, as a mail
 * server's delivery agent would); and on the other side, what the app sends
 * through the SMTP server: announced, delivered when it is to the mailbox
 * itself, and a reply to one of the letters is answered by its sender.
 */
export function openMailRoom(options: {
  dovecot: TestDovecot;
  smtp: TestSmtpServer;
  mailbox: string;
  everySeconds: number;
  say: (line: string) => void;
}): MailRoom {
  const { dovecot, smtp, mailbox, say } = options;
  const letterOf = new Map<string, Letter>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let next = 0;

  const deliver = async (letter: Letter, ids: { inReplyTo?: string; references?: string } = {}) => {
    const messageId = `<demo-${Date.now()}-${randomUUID().slice(0, 8)}@${letter.from.address.split("@")[1]}>`;
    letterOf.set(messageId, letter);
    await dovecot.deliver(mailbox, compose(letter, mailbox, { messageId, ...ids }));
    return messageId;
  };
  const later = (ms: number, action: () => Promise<void>) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      action().catch((error: unknown) => {
        if (!stopped) say(`Could not deliver to ${mailbox}: ${(error as Error).message.split("\n")[0]}`);
      });
    }, ms);
    timers.add(timer);
  };

  const drip = () =>
    later(options.everySeconds * 1000, async () => {
      const letter = LETTERS[next++ % LETTERS.length]!;
      await deliver(letter);
      say(`New mail for ${mailbox} from ${letter.from.name}: "${letter.subject}"`);
      drip();
    });
  later(0, async () => {
    await deliver(WELCOME);
    drip();
  });

  let seen = 0;
  let checking = false;
  const answer = async (raw: Buffer) => {
    const sent = await simpleParser(raw);
    const to = [sent.to ?? []].flat().flatMap((group) => group.value.map((entry) => entry.address ?? ""));
    say(`The app sent "${sent.subject ?? ""}" to ${to.join(", ")}: the local SMTP server accepted it.`);
    if (to.some((address) => address.toLowerCase() === mailbox)) await dovecot.deliver(mailbox, raw);
    const original = sent.inReplyTo ? letterOf.get(sent.inReplyTo) : undefined;
    if (!original || !sent.messageId) return;
    const quoted = (sent.text ?? "").trim().split("\n").slice(0, 6).map((line) => `> ${line}`).join("\n");
    const reply: Letter = {
      from: original.from,
      subject: `Re: ${original.subject.replace(/^(re:\s*)+/i, "")}`,
      text: `Thanks, got it!\n\n${original.from.name}\n\n${quoted}`,
    };
    later(3000, async () => {
      await deliver(reply, { inReplyTo: sent.messageId, references: `${sent.inReplyTo} ${sent.messageId}` });
      say(`${original.from.name} answered your reply.`);
    });
  };
  const watch = setInterval(() => {
    if (checking) return;
    checking = true;
    void (async () => {
      while (seen < smtp.messages.length) await answer(smtp.messages[seen++]!.raw);
    })()
      .catch((error: unknown) => say(`Could not handle a sent message: ${(error as Error).message}`))
      .finally(() => (checking = false));
  }, 1000);

  return {
    stop() {
      stopped = true;
      clearInterval(watch);
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
