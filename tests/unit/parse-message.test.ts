import { describe, expect, it } from "vitest";
import { parseMessage, previewOf, type ParsedMessage } from "#lib/mail/parse-message";

/** A message from header lines and a body given as text (latin1 bytes) or bytes. */
function mail(headers: string[], body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${headers.join("\r\n")}\r\n\r\n`, "latin1"), typeof body === "string" ? Buffer.from(body, "latin1") : body]);
}

function bytes(...values: number[]): Buffer {
  return Buffer.from(values);
}

/** Every string anywhere in the parsed message, for the NUL check. */
function strings(message: ParsedMessage): string[] {
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object" && !Buffer.isBuffer(value) && !(value instanceof Date)) Object.values(value).forEach(walk);
  };
  walk(message);
  return out;
}

// Minimal but real file headers: what a viewer would sniff.
const PDF = Buffer.concat([Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "latin1"), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from("\n%%EOF\n")]);
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

describe("parseMessage: charsets end up as UTF-8", () => {
  it("ISO-8859-1 body (8bit) and encoded-word headers", async () => {
    const parsed = await parseMessage(
      mail(
        [
          "From: =?ISO-8859-1?Q?Andr=E9_M=FCller?= <andre@example.test>",
          "To: bob@example.test, \"Doe, Jane\" <jane@example.test>",
          "Cc: =?UTF-8?B?SsO8cmdlbg==?= <j@example.test>",
          "Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=",
          "Message-ID: <latin1@example.test>",
          "In-Reply-To: <parent@example.test>",
          "References: <root@example.test>\r\n <parent@example.test>",
          "Date: Tue, 01 Jul 2025 10:00:00 +0200",
          "MIME-Version: 1.0",
          "Content-Type: text/plain; charset=ISO-8859-1",
          "Content-Transfer-Encoding: 8bit",
        ],
        Buffer.concat([Buffer.from("Gr"), bytes(0xfc, 0xdf), Buffer.from("e, caf"), bytes(0xe9), Buffer.from(" \u00a3 5\r\n", "latin1")]),
      ),
    );
    expect(parsed).toMatchObject({
      from: "André Müller <andre@example.test>",
      to: ["bob@example.test", '"Doe, Jane" <jane@example.test>'],
      cc: ["Jürgen <j@example.test>"],
      subject: "Grüße aus Köln",
      messageId: "<latin1@example.test>",
      inReplyTo: "<parent@example.test>",
      references: ["<root@example.test>", "<parent@example.test>"],
      html: null,
      attachments: [],
      skippedReason: null,
      tooLarge: false,
    });
    expect(parsed.date?.toISOString()).toBe("2025-07-01T08:00:00.000Z");
    expect(parsed.text).toBe("Grüße, café £ 5\n");
  });

  it("windows-1252 smart quotes, euro and dashes, also when labelled ISO-8859-1", async () => {
    const body = bytes(0x93, 0x68, 0x69, 0x94, 0x20, 0x80, 0x35, 0x20, 0x96, 0x20, 0x91, 0x6f, 0x6b, 0x92, 0x85);
    for (const charset of ["windows-1252", "iso-8859-1"]) {
      const parsed = await parseMessage(mail(["Subject: q", `Content-Type: text/plain; charset=${charset}`], body));
      expect(parsed.text, charset).toBe("\u201chi\u201d \u20ac5 \u2013 \u2018ok\u2019\u2026");
    }
  });

  it("Japanese: ISO-2022-JP and Shift_JIS bodies, ISO-2022-JP encoded-word subject", async () => {
    // 日本語 in JIS X 0208 between ESC $ B and ESC ( B; in Shift_JIS 93FA 967B 8CEA, テスト 8365 8358 8367.
    const jis = await parseMessage(
      mail(
        ["Subject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "Content-Type: text/plain; charset=ISO-2022-JP", "Content-Transfer-Encoding: 7bit"],
        "\x1b$BF|K\\8l\x1b(B\r\n",
      ),
    );
    expect(jis.subject).toBe("日本語");
    expect(jis.text).toBe("日本語\n");

    const sjis = await parseMessage(
      mail(
        ["Subject: =?Shift_JIS?B?g2WDWINn?=", "Content-Type: text/plain; charset=Shift_JIS", "Content-Transfer-Encoding: 8bit"],
        bytes(0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0x83, 0x65, 0x83, 0x58, 0x83, 0x67, 0x0d, 0x0a),
      ),
    );
    expect(sjis.subject).toBe("テスト");
    expect(sjis.text).toBe("日本語テスト\n");
  });

  it("encoded words: Q and B, several charsets, adjacent words joined, folded lines", async () => {
    const parsed = await parseMessage(
      mail(
        [
          "Subject: =?UTF-8?Q?Caf=C3=A9_?= =?ISO-8859-1?B?ZOlq4A==?=\r\n =?UTF-8?B?IOKCrCDwn5iA?= plain",
          "Content-Type: text/plain; charset=utf-8",
        ],
        "x",
      ),
    );
    expect(parsed.subject).toBe("Café déjà € 😀 plain");
  });

  it("quoted-printable and base64 bodies in multipart/alternative; the HTML is sanitised", async () => {
    const html = '<p onclick="x()">Hello <b>wörld</b><script>alert(1)</script><img src="https://t.test/p.gif"></p>';
    const parsed = await parseMessage(
      mail(
        ["Subject: alt", "MIME-Version: 1.0", 'Content-Type: multipart/alternative; boundary="ALT"'],
        [
          "--ALT",
          "Content-Type: text/plain; charset=utf-8",
          "Content-Transfer-Encoding: quoted-printable",
          "",
          "Hello w=C3=B6rld, this line is long enough to be folded by a soft line =",
          "break.",
          "--ALT",
          "Content-Type: text/html; charset=utf-8",
          "Content-Transfer-Encoding: base64",
          "",
          Buffer.from(html).toString("base64"),
          "--ALT--",
          "",
        ].join("\r\n"),
      ),
    );
    expect(parsed.text).toBe("Hello wörld, this line is long enough to be folded by a soft line break.");
    expect(parsed.html).toBe('<p>Hello <b>wörld</b><img data-blocked-remote="1" /></p>');
  });

  it("an HTML-only message gets a text version too", async () => {
    const parsed = await parseMessage(mail(["Subject: h", "Content-Type: text/html; charset=utf-8"], "<p>Only <i>HTML</i></p>"));
    expect(parsed.html).toBe("<p>Only <i>HTML</i></p>");
    expect(parsed.text).toBe("Only HTML");
  });
});

describe("parseMessage: attachments", () => {
  it("keeps attachments byte for byte with their decoded size, type and (RFC 2231) name", async () => {
    const parsed = await parseMessage(
      mail(
        ["Subject: files", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="MIX"'],
        [
          "--MIX",
          "Content-Type: text/plain; charset=utf-8",
          "",
          "See attached.",
          "--MIX",
          "Content-Type: application/pdf",
          "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
          "Content-Transfer-Encoding: base64",
          "",
          PDF.toString("base64").replace(/.{76}/g, "$&\r\n"),
          "--MIX",
          'Content-Type: image/png; name="photo.png"',
          "Content-Disposition: attachment",
          "Content-Transfer-Encoding: base64",
          "",
          PNG.toString("base64"),
          "--MIX--",
          "",
        ].join("\r\n"),
      ),
    );
    expect(parsed.text).toBe("See attached.");
    expect(parsed.attachments.map(({ filename, contentType, size }) => ({ filename, contentType, size }))).toEqual([
      { filename: "résumé.pdf", contentType: "application/pdf", size: PDF.length },
      { filename: "photo.png", contentType: "image/png", size: PNG.length },
    ]);
    expect(parsed.attachments[0]!.content.equals(PDF)).toBe(true);
    expect(parsed.attachments[1]!.content.equals(PNG)).toBe(true);
  });

  it("an inline cid: image shows in the HTML as a data: URL and is kept as an attachment", async () => {
    const parsed = await parseMessage(
      mail(
        ["Subject: inline", "MIME-Version: 1.0", 'Content-Type: multipart/related; boundary="REL"'],
        [
          "--REL",
          "Content-Type: text/html; charset=utf-8",
          "",
          '<p>Logo: <img src="cid:logo@example.test" alt="logo"></p>',
          "--REL",
          "Content-Type: image/png",
          "Content-ID: <logo@example.test>",
          "Content-Disposition: inline; filename=logo.png",
          "Content-Transfer-Encoding: base64",
          "",
          PNG.toString("base64"),
          "--REL--",
          "",
        ].join("\r\n"),
      ),
    );
    expect(parsed.html).toBe(`<p>Logo: <img src="data:image/png;base64,${PNG.toString("base64")}" alt="logo" /></p>`);
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]).toMatchObject({ filename: "logo.png", contentType: "image/png", size: PNG.length, contentId: "logo@example.test" });
  });
});

describe("parseMessage: bad input never stops a sync", () => {
  it("NUL bytes never reach a text field", async () => {
    const parsed = await parseMessage(
      mail(
        ["From: Nul\x00ly <nul@example.test>", "Subject: before\x00after", "Message-ID: <nul\x00@example.test>", 'Content-Type: multipart/mixed; boundary="B"'],
        [
          "--B",
          "Content-Type: text/plain; charset=utf-8",
          "",
          "hello\x00world",
          "--B",
          "Content-Type: text/html; charset=utf-8",
          "",
          "<p>a\x00b</p>",
          "--B",
          'Content-Type: text/csv; name="a\x00b.csv"',
          "Content-Disposition: attachment",
          "",
          "x,\x00y",
          "--B--",
          "",
        ].join("\r\n"),
      ),
    );
    expect(parsed.subject).toBe("beforeafter");
    expect(parsed.text).toContain("helloworld");
    expect(parsed.html).toContain("ab");
    expect(parsed.attachments[0]!.filename).toBe("ab.csv");
    // The attachment's bytes are data, not text: they keep their NUL.
    expect(parsed.attachments[0]!.content.includes(0)).toBe(true);
    for (const value of strings(parsed)) expect(value).not.toContain("\u0000");
  });

  it("a broken MIME boundary: the text is kept as it came", async () => {
    const parsed = await parseMessage(
      mail(
        ["Subject: broken", 'Content-Type: multipart/mixed; boundary="abc"'],
        "--abc\r\nContent-Type: text/plain\r\n\r\nbody part\r\n--abcd\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%%not base64\r\n",
      ),
    );
    expect(parsed.subject).toBe("broken");
    expect(parsed.skippedReason).toBeNull();
    expect(parsed.text).toContain("body part");
  });

  it("garbage bytes, an empty message and an unknown charset do not throw", async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    for (const raw of [garbage, Buffer.alloc(0), mail(["Subject: x", "Content-Type: text/plain; charset=x-no-such-charset"], bytes(0xe9, 0x41))]) {
      const parsed = await parseMessage(raw);
      for (const value of strings(parsed)) expect(value).not.toContain("\u0000");
    }
  });

  it("a message the parser refuses (too many parts) keeps its headers and says why", async () => {
    const parts = Array.from({ length: 1100 }, (_, i) => `--P\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join("");
    const parsed = await parseMessage(
      mail(["From: many@example.test", "Subject: many parts", "Message-ID: <many@example.test>", 'Content-Type: multipart/mixed; boundary="P"'], `${parts}--P--\r\n`),
    );
    expect(parsed.skippedReason).toMatch(/^unparseable: /);
    expect(parsed).toMatchObject({ subject: "many parts", from: "many@example.test", messageId: "<many@example.test>", text: null, tooLarge: false });
  });

  it("an unreadable Date is null, not today", async () => {
    expect((await parseMessage(mail(["Subject: d", "Date: the day after tomorrow"], "x"))).date).toBeNull();
    expect((await parseMessage(mail(["Subject: d"], "x"))).date).toBeNull();
  });
});

describe("parseMessage: size limit", () => {
  const big = mail(
    ["From: Big <big@example.test>", "To: me@example.test", "Subject: =?UTF-8?Q?gro=C3=9F?=", "Message-ID: <big@example.test>", "Content-Type: text/plain"],
    "x".repeat(300_000),
  );

  it("a message over maxBytes is not parsed: headers only, marked skipped and too large", async () => {
    const parsed = await parseMessage(big, { maxBytes: 100_000 });
    expect(parsed).toMatchObject({
      from: "Big <big@example.test>",
      to: ["me@example.test"],
      subject: "groß",
      messageId: "<big@example.test>",
      text: null,
      html: null,
      attachments: [],
      tooLarge: true,
    });
    expect(parsed.skippedReason).toBe(`larger than 100000 bytes (${big.length} bytes)`);
    expect((await parseMessage(big, { maxBytes: 400_000 })).text).toHaveLength(300_000);
  });

  it("the server's size counts when only the headers were fetched", async () => {
    const headers = mail(["Subject: head only", "Message-ID: <h@example.test>"], "");
    const parsed = await parseMessage(headers, { maxBytes: 1_000, size: 50_000_000 });
    expect(parsed).toMatchObject({ subject: "head only", messageId: "<h@example.test>", tooLarge: true, skippedReason: "larger than 1000 bytes (50000000 bytes)" });
  });
});

describe("previewOf: the first words of a message for lists", () => {
  it("takes the text on one line, leaving out quoted lines", () => {
    expect(previewOf("Hi Bob,\n\n  see you\tat noon.\n> old quoted line\nThanks", null)).toBe("Hi Bob, see you at noon. Thanks");
  });

  it("takes the words of the HTML when there is no text, without styles, tags or entities", () => {
    expect(previewOf(null, "<style>p{color:red}</style><p>Price&nbsp;&lt;10&amp;up</p><img src=x><b>now</b>")).toBe("Price <10&up now");
  });

  it("ends long text at 200 characters with an ellipsis", () => {
    const preview = previewOf("word ".repeat(100), null);
    expect(preview).toHaveLength(200);
    expect(preview.endsWith("…")).toBe(true);
  });
});
