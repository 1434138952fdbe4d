import { randomBytes } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer";

/**
 * A mailbox that looks like real mail, for the ingest figures: the same
 * messages for a given seed (sizes, kinds, threads; attachment bytes are
 * random, as compressed files are). The mix, by share of messages:
 * - plain text (30 %), 0.5–6 KB, in UTF-8, ISO-8859-1 and windows-1252
 *   (quoted-printable), KOI8-R (base64) or US-ASCII;
 * - multipart/alternative text + HTML (39 %), the HTML 3–80 KB of tables,
 *   inline styles and links, like newsletters and notifications;
 * - multipart/related HTML with 1–3 inline images of 10–150 KB (12 %);
 * - with 1–2 attachments of 4 KB to 1 MB, log-uniform (18 %);
 * - with one attachment of 2–4 MB (1 %).
 * About 30 % of messages belong to threads of 2–40 replies (In-Reply-To,
 * References, "Re:", the previous text quoted); names and subjects use
 * encoded words. Median size: a few tens of KB.
 */

export interface CorpusStats {
  messages: number;
  totalMb: number;
  medianKb: number;
  p90Kb: number;
  maxKb: number;
  kinds: Record<string, number>;
  charsets: Record<string, number>;
  threads: number;
  longestThread: number;
  messagesInThreads: number;
}

type Kind = "plain" | "alternative" | "inline-images" | "attachments" | "large-attachment";

/** mulberry32: a small seeded generator, so the corpus is the same on every run. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = {
  en: "the meeting report invoice please review attached figures quarter budget team project deadline customer shipment update schedule thanks regards agenda draft contract proposal".split(" "),
  de: "Grüße über Rechnung bitte prüfen Anhang Zahlen Quartal Budget Mannschaft Frist Kunde Lieferung Aktualisierung Straße schön Änderung Besprechung".split(" "),
  fr: "réunion facture veuillez vérifier pièce jointe chiffres trimestre équipe échéance client livraison mise à jour été déjà très reçu".split(" "),
  ru: "встреча отчёт счёт пожалуйста проверьте вложение цифры квартал бюджет команда проект срок клиент поставка обновление спасибо".split(" "),
  ja: "会議 報告 請求書 確認 添付 数字 四半期 予算 チーム 締め切り 顧客 出荷 更新 ありがとう よろしく".split(" "),
};

// KOI8-R: bytes 0xC0–0xFF in this order (lower case, then upper case).
const KOI8R = "юабцдефгхийклмнопярстужвьызшэщчъЮАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗШЭЩЧЪ";
// windows-1252 beyond Latin-1, for the characters the text uses.
const CP1252 = new Map([
  ["€", 0x80],
  ["“", 0x93],
  ["”", 0x94],
  ["–", 0x96],
  ["’", 0x92],
]);

function encode(text: string, charset: string): Buffer {
  if (charset === "utf-8" || charset === "us-ascii") return Buffer.from(text, "utf8");
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) bytes.push(code);
    else if (charset === "koi8-r" && KOI8R.includes(char)) bytes.push(0xc0 + KOI8R.indexOf(char));
    else if (charset === "windows-1252" && CP1252.has(char)) bytes.push(CP1252.get(char)!);
    else if (code <= 0xff && charset !== "koi8-r") bytes.push(code);
    else bytes.push(0x3f); // "?", as a mailer does for a character its charset lacks
  }
  return Buffer.from(bytes);
}

function quotedPrintable(bytes: Buffer): string {
  let out = "";
  let line = "";
  for (const byte of bytes) {
    if (byte === 0x0a) {
      out += `${line}\r\n`;
      line = "";
      continue;
    }
    const piece = (byte >= 33 && byte <= 126 && byte !== 61) || byte === 32 ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    if (line.length + piece.length > 75) {
      out += `${line}=\r\n`;
      line = "";
    }
    line += piece;
  }
  return out + line;
}

function base64Lines(bytes: Buffer): string {
  return (bytes.toString("base64").match(/.{1,76}/g) ?? []).join("\r\n");
}

export async function realisticCorpus(count: number, seed = 20261207): Promise<{ raws: Buffer[]; stats: CorpusStats }> {
  const random = generator(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (low: number, high: number) => Math.round(low + random() * (high - low));
  const logUniform = (low: number, high: number) => Math.round(Math.exp(Math.log(low) + random() * (Math.log(high) - Math.log(low))));
  const sentence = (language: keyof typeof WORDS, words: number) => {
    const chosen = Array.from({ length: words }, () => pick(WORDS[language]));
    return `${chosen.join(language === "ja" ? "" : " ")}.`;
  };
  const paragraphs = (language: keyof typeof WORDS, bytes: number) => {
    const parts: string[] = [];
    let size = 0;
    while (size < bytes) {
      const paragraph = Array.from({ length: between(2, 6) }, () => sentence(language, between(6, 18))).join(" ");
      parts.push(paragraph);
      size += Buffer.byteLength(paragraph) + 2;
    }
    return parts.join("\n\n");
  };
  const html = (text: string, bytes: number, images: string[] = []) => {
    const rows: string[] = [];
    let size = 0;
    while (size < bytes) {
      const row = `<tr><td style="padding:12px 24px;font-family:Arial,sans-serif;font-size:14px;color:#333333;line-height:20px">${sentence("en", between(8, 30))} <a href="https://news.example.test/article/${between(1, 99999)}?utm_source=mail&amp;utm_medium=email" style="color:#1a73e8">Read more</a></td></tr>`;
      rows.push(row);
      size += row.length;
    }
    const pictures = images.map((cid) => `<tr><td><img src="cid:${cid}" width="600" alt="picture" style="display:block"></td></tr>`).join("");
    return `<!doctype html><html><head><meta charset="utf-8"><style>td{mso-line-height-rule:exactly}</style></head><body style="margin:0;background:#f4f4f4"><table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td><p>${text.split("\n\n")[0]}</p></td></tr>${pictures}${rows.join("")}<tr><td><img src="https://track.example.test/open.gif?id=${between(1, 1e6)}" width="1" height="1" alt=""></td></tr></table></body></html>`;
  };

  // Threads: runs of 2–40 messages, about 30 % of all, spread through the mailbox.
  const threadOf = new Array<number | null>(count).fill(null);
  let threads = 0;
  let longest = 0;
  let inThreads = 0;
  while (inThreads < count * 0.3) {
    const length = Math.min(between(2, 40), count - inThreads);
    const start = between(0, count - 1);
    let placed = 0;
    for (let index = start; index < count && placed < length; index += between(1, 8)) {
      if (threadOf[index] !== null) continue;
      threadOf[index] = threads;
      placed++;
    }
    if (placed === 0) break;
    inThreads += placed;
    longest = Math.max(longest, placed);
    threads++;
  }
  const threadState = new Map<number, { subject: string; ids: string[]; lastText: string }>();

  const raws: Buffer[] = [];
  const kinds: Record<string, number> = {};
  const charsets: Record<string, number> = {};
  for (let index = 0; index < count; index++) {
    const roll = random();
    const kind: Kind = roll < 0.3 ? "plain" : roll < 0.69 ? "alternative" : roll < 0.81 ? "inline-images" : roll < 0.99 ? "attachments" : "large-attachment";
    const language = pick(["en", "en", "en", "de", "fr", "ru", "ja"] as const);
    const messageId = `<corpus-${seed}-${index}@mail.example.test>`;
    const date = new Date(Date.UTC(2026, 0, 1) + index * 3_600_000 + between(0, 3_000_000));
    const from = pick(['"Jürgen Groß" <juergen@example.test>', '"Анна Иванова" <anna@example.test>', '"佐藤 花子" <hanako@example.test>', '"Ops" <noreply@example.test>', '"Zoë Martin" <zoe@example.test>']);
    let text = paragraphs(language, kind === "plain" ? between(500, 6000) : between(300, 3000));
    let subject = `${sentence(language, between(3, 8)).replace(/\.$/, "")}`;
    const headers: Record<string, string> = {};
    const thread = threadOf[index];
    if (thread !== null && thread !== undefined) {
      const state = threadState.get(thread);
      if (state) {
        subject = `Re: ${state.subject}`;
        headers["In-Reply-To"] = state.ids[state.ids.length - 1]!;
        headers.References = state.ids.slice(-10).join(" ");
        // The reply quotes what came before, as mail clients do.
        text = `${text}\n\nOn ${date.toUTCString()} someone wrote:\n${state.lastText.split("\n").slice(0, 60).map((line) => `> ${line}`).join("\n")}`;
        state.ids.push(messageId);
        state.lastText = text;
      } else {
        threadState.set(thread, { subject, ids: [messageId], lastText: text });
      }
    }
    kinds[kind] = (kinds[kind] ?? 0) + 1;

    if (kind === "plain") {
      const charset = language === "ru" ? pick(["koi8-r", "utf-8"]) : language === "ja" ? "utf-8" : language === "en" ? pick(["us-ascii", "utf-8", "windows-1252"]) : pick(["iso-8859-1", "windows-1252", "utf-8"]);
      charsets[charset] = (charsets[charset] ?? 0) + 1;
      const body = charset === "windows-1252" ? `${text}\n\n“Total” – €${between(10, 9999)}` : text;
      const bytes = encode(body, charset);
      const transfer = charset === "koi8-r" || language === "ja" ? "base64" : charset === "us-ascii" ? "7bit" : "quoted-printable";
      const encodedBody = transfer === "base64" ? base64Lines(bytes) : transfer === "7bit" ? body.replace(/[^\x20-\x7e\n]/g, "?").replace(/\n/g, "\r\n") : quotedPrintable(bytes);
      const head = [
        `From: =?UTF-8?B?${Buffer.from(from.split('"')[1]!).toString("base64")}?= ${from.slice(from.indexOf("<"))}`,
        "To: corpus@example.test",
        `Subject: =?UTF-8?B?${Buffer.from(subject).toString("base64")}?=`,
        `Message-ID: ${messageId}`,
        `Date: ${date.toUTCString().replace("GMT", "+0000")}`,
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        "MIME-Version: 1.0",
        `Content-Type: text/plain; charset=${charset}; format=flowed`,
        `Content-Transfer-Encoding: ${transfer}`,
      ];
      // Headers are encoded words and the body is quoted-printable, base64 or 7bit: ASCII throughout.
      raws.push(Buffer.from(`${head.join("\r\n")}\r\n\r\n${encodedBody}\r\n`, "latin1"));
      continue;
    }

    charsets["utf-8"] = (charsets["utf-8"] ?? 0) + 1;
    const images = kind === "inline-images" ? Array.from({ length: between(1, 3) }, (_, n) => `image${n}.${index}@corpus`) : [];
    const attachments: { filename: string; content: Buffer; contentType: string; cid?: string }[] = images.map((cid, n) => ({
      filename: `photo-${n}.jpg`,
      contentType: "image/jpeg",
      cid,
      content: randomBytes(logUniform(10_000, 150_000)),
    }));
    if (kind === "attachments") {
      for (let n = between(1, 2); n > 0; n--) {
        const [filename, contentType] = pick([
          ["report.pdf", "application/pdf"],
          ["figures.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
          ["photos.zip", "application/zip"],
          ["contract.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
        ] as const);
        attachments.push({ filename, contentType, content: randomBytes(logUniform(4_000, 1_000_000)) });
      }
    }
    if (kind === "large-attachment") attachments.push({ filename: "scan.pdf", contentType: "application/pdf", content: randomBytes(between(2_000_000, 4_000_000)) });
    const composer = new MailComposer({
      from,
      to: "corpus@example.test",
      subject,
      messageId,
      date,
      headers,
      text,
      html: kind === "attachments" && random() < 0.4 ? undefined : html(text, between(3_000, 80_000), images),
      attachments,
    });
    raws.push(await composer.compile().build());
  }

  const sizes = raws.map((raw) => raw.length).sort((a, b) => a - b);
  const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;
  return {
    raws,
    stats: {
      messages: count,
      totalMb: Math.round(sizes.reduce((sum, size) => sum + size, 0) / 1048.576) / 1000,
      medianKb: kb(sizes[Math.floor(count / 2)]!),
      p90Kb: kb(sizes[Math.floor(count * 0.9)]!),
      maxKb: kb(sizes[count - 1]!),
      kinds,
      charsets,
      threads,
      longestThread: longest,
      messagesInThreads: inThreads,
    },
  };
}
