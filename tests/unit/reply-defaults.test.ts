import { describe, expect, it } from "vitest";
import { replyDefaults } from "#lib/messages/reply-defaults";

const original = {
  id: "11111111-1111-4111-8111-111111111111",
  folder: "INBOX",
  uid: 7,
  messageId: "<m1@example.test>",
  inReplyTo: null,
  from: '"IT <x@evil.example>" <it@corp.example>',
  to: ["me@corp.example", "Bob <bob@corp.example>"],
  cc: ["carol@corp.example", "ME@corp.example", "bob@corp.example"],
  subject: "RE: Re: Fwd: Budget",
  date: "2026-12-01T10:00:00.000Z",
  size: 100,
  preview: "",
  seen: true,
  skippedReason: null,
  attachments: [{ id: "22222222-2222-4222-8222-222222222222", filename: "budget.xlsx", contentType: "application/vnd.ms-excel", size: 4096 }],
  text: "Line one\nLine two",
  html: null,
  blockedRemoteContent: 0,
  references: ["<m0@example.test>"],
};

describe("replyDefaults", () => {
  it("replies to the parsed sender address, threaded, with one Re: and the text quoted", () => {
    const reply = replyDefaults(original, "reply", "me@corp.example");
    expect(reply).toMatchObject({ to: "it@corp.example", cc: "", subject: "Re: Budget", inReplyTo: "<m1@example.test>", references: ["<m0@example.test>", "<m1@example.test>"] });
    expect(reply.text).toContain("> Line one\n> Line two");
    expect(reply.forwardedFiles).toBeUndefined();
  });

  it("replies to all: everyone on it once, without the account's own address in any case", () => {
    expect(replyDefaults(original, "replyAll", "me@corp.example")).toMatchObject({ to: "it@corp.example", cc: "bob@corp.example, carol@corp.example" });
  });

  it("forwards with the original's files and headers, to nobody yet, outside the thread", () => {
    const forward = replyDefaults(original, "forward", "me@corp.example");
    expect(forward).toMatchObject({ to: "", cc: "", subject: "Fwd: Budget", forwardedFiles: [{ id: "22222222-2222-4222-8222-222222222222", filename: "budget.xlsx", size: 4096 }] });
    expect(forward.inReplyTo).toBeUndefined();
    expect(forward.text).toContain("---------- Forwarded message ----------\nFrom: \"IT <x@evil.example>\" <it@corp.example>");
  });
});
