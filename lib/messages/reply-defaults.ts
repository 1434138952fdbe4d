import type { PublicMessageDetail } from "#lib/mail/to-public-message";
import { senderAddress } from "./sender-address";

/** How a message is answered: to its sender, to everyone on it, or passed on to someone new. */
export type ReplyMode = "reply" | "replyAll" | "forward";

export interface ReplyDefaults {
  to: string;
  cc: string;
  subject: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
  /** Forward: the original's files, sent again by their ids. */
  forwardedFiles?: { id: string; filename: string; size: number }[];
}

type Original = PublicMessageDetail & { references: string[] };

/** "Re: Re: x" stays "Re: x": one prefix, whatever the case the other client wrote it in. */
function prefixed(prefix: "Re" | "Fwd", subject: string | null): string {
  const bare = (subject ?? "").replace(/^\s*((re|fwd?|aw|wg)\s*:\s*)+/i, "");
  return `${prefix}: ${bare}`;
}

function quoted(text: string | null): string {
  return (text ?? "")
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
}

/**
 * The fields a reply, reply-all or forward starts with. Addresses are the
 * parsed ones (senderAddress), never the first "<…>" of a display name;
 * reply-all leaves out the account's own address; a forward keeps the
 * original's files and starts no thread.
 */
export function replyDefaults(original: Original, mode: ReplyMode, ownAddress: string): ReplyDefaults {
  const date = original.date ? new Date(original.date).toUTCString() : "an earlier date";
  if (mode === "forward") {
    const header = [
      "---------- Forwarded message ----------",
      `From: ${original.from ?? ""}`,
      `Date: ${date}`,
      `Subject: ${original.subject ?? ""}`,
      `To: ${original.to.join(", ")}`,
      ...(original.cc.length > 0 ? [`Cc: ${original.cc.join(", ")}`] : []),
    ].join("\n");
    return {
      to: "",
      cc: "",
      subject: prefixed("Fwd", original.subject),
      text: `\n\n${header}\n\n${original.text ?? ""}`,
      forwardedFiles: original.attachments.map((file) => ({ id: file.id, filename: file.filename ?? "attachment", size: file.size })),
    };
  }
  const sender = senderAddress(original.from);
  const own = ownAddress.toLowerCase();
  const others =
    mode === "replyAll"
      ? [...original.to, ...original.cc].map(senderAddress).filter((address, index, all) => {
          const lower = address.toLowerCase();
          return address && lower !== own && lower !== sender.toLowerCase() && all.findIndex((other) => other.toLowerCase() === lower) === index;
        })
      : [];
  return {
    to: sender,
    cc: others.join(", "),
    subject: prefixed("Re", original.subject),
    text: `\n\nOn ${date}, ${original.from ?? "someone"} wrote:\n${quoted(original.text)}`,
    inReplyTo: original.messageId ?? undefined,
    references: [...original.references, ...(original.messageId ? [original.messageId] : [])],
  };
}
