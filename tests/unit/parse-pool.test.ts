import { afterAll, describe, expect, it } from "vitest";
import { parseMessage } from "#lib/mail/parse-message";
import { closeParseThreads, parseMessages } from "#lib/mail/parse-pool";

afterAll(closeParseThreads);

const PDF = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from("\n%%EOF\n")]);

function message(index: number): Buffer {
  return Buffer.from(
    [
      "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.test>",
      "To: bob@example.test",
      `Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= ${index}`,
      `Message-ID: <pool-${index}@example.test>`,
      "Date: Tue, 01 Jul 2025 10:00:00 +0200",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b"',
      "",
      "--b",
      "Content-Type: text/html; charset=ISO-8859-1",
      "Content-Transfer-Encoding: quoted-printable",
      "",
      `<p>Caf=E9 ${index}</p><img src=3D"https://tracker.example/pixel.gif">`,
      "--b",
      "Content-Type: application/pdf",
      "Content-Disposition: attachment; filename=a.pdf",
      "Content-Transfer-Encoding: base64",
      "",
      PDF.toString("base64"),
      "--b--",
      "",
    ].join("\r\n"),
    "latin1",
  );
}

describe("parseMessages (parse threads)", () => {
  it("gives what parseMessage gives, in order, attachments as Buffers", async () => {
    const jobs = Array.from({ length: 20 }, (_, index) => {
      const raw = message(index);
      return { raw, size: raw.length };
    });
    const parsed = await parseMessages(jobs, { maxBytes: 1_000_000 });
    expect(parsed).toHaveLength(20);
    for (const [index, job] of jobs.entries()) {
      expect(parsed[index]).toEqual(await parseMessage(job.raw, { maxBytes: 1_000_000 }));
      expect(Buffer.isBuffer(parsed[index]!.attachments[0]!.content)).toBe(true);
      expect(parsed[index]!.attachments[0]!.content.equals(PDF)).toBe(true);
    }
    expect(parsed[3]!.subject).toBe("Grüße 3");
    expect(parsed[3]!.html).not.toContain("tracker.example");
  });

  it("passes the size limit and the server's size to the thread", async () => {
    const raw = message(1);
    const [parsed] = await parseMessages([{ raw, size: 5_000_000 }], { maxBytes: 1_000_000 });
    expect(parsed).toMatchObject({ tooLarge: true, messageId: "<pool-1@example.test>", text: null, attachments: [] });
    expect(parsed!.skippedReason).toContain("5000000 bytes");
  });

  it("parses on the caller's thread when the parse thread goes away mid-batch, then starts a new one", async () => {
    const jobs = Array.from({ length: 200 }, (_, index) => {
      const raw = message(index);
      return { raw, size: raw.length };
    });
    const pending = parseMessages(jobs, { maxBytes: 1_000_000 });
    await closeParseThreads();
    const parsed = await pending;
    expect(parsed.map((message) => message.messageId)).toEqual(jobs.map((_, index) => `<pool-${index}@example.test>`));
    const [again] = await parseMessages([jobs[7]!], { maxBytes: 1_000_000 });
    expect(again!.subject).toBe("Grüße 7");
  });
});
