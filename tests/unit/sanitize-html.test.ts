import { describe, expect, it } from "vitest";
import { countBlockedRemoteContent, sanitizeEmailHtml, sanitizeWithReport } from "#lib/mail/sanitize-html";

const PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

describe("sanitizeEmailHtml: active content", () => {
  it("removes scripts with their text, and every event handler", () => {
    const out = sanitizeEmailHtml(
      `<p onclick="steal()" onmouseover='x()'>Hi<script>alert(1)</script><SCRIPT src="https://evil.test/x.js"></SCRIPT></p>` +
        `<img src="cid:a" onerror="alert(2)"><body onload="alert(3)">text</body>`,
    );
    expect(out).not.toMatch(/script|alert|steal|onclick|onmouseover|onerror|onload/i);
    expect(out).toContain("<p>Hi</p>");
    expect(out).toContain("text");
  });

  it("removes forms, frames, objects, embeds, svg, base and meta refresh", () => {
    const out = sanitizeEmailHtml(
      `<form action="https://evil.test/login"><input name="password"><button formaction="https://evil.test">Go</button></form>` +
        `<iframe src="https://evil.test/frame">fallback</iframe><object data="x.swf"></object><embed src="x.swf">` +
        `<svg><script>alert(1)</script><image href="https://evil.test/i.png"/></svg>` +
        `<base href="https://evil.test/"><meta http-equiv="refresh" content="0;url=https://evil.test"><link rel="stylesheet" href="https://evil.test/s.css">`,
    );
    expect(out).not.toMatch(/<form|<input|<iframe|<object|<embed|<svg|<base|<meta|<link|evil\.test|fallback|alert/i);
    // The text of a harmless control survives; only the element goes.
    expect(out).toContain("Go");
  });

  it("drops javascript:, vbscript: and data: links however they are spelt", () => {
    const links = [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      " javascript:alert(1)",
      "jav&#x09;ascript:alert(1)",
      "java\nscript:alert(1)",
      "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
      "vbscript:msgbox(1)",
      "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    ];
    for (const href of links) {
      const out = sanitizeEmailHtml(`<a href="${href}">x</a>`);
      expect(out, href).not.toMatch(/href/);
      expect(out).toContain(">x</a>");
    }
  });

  it("opens links in a new tab without an opener or referrer", () => {
    const out = sanitizeEmailHtml(`<a href="https://example.test/a" target="_self" rel="opener">a</a> <a href="mailto:x@example.test">m</a>`);
    expect(out).toContain(`<a href="https://example.test/a" target="_blank" rel="noopener noreferrer">a</a>`);
    expect(out).toContain(`<a href="mailto:x@example.test" target="_blank" rel="noopener noreferrer">m</a>`);
    // A relative link would point into this app.
    expect(sanitizeEmailHtml(`<a href="/api/v1/messages">r</a>`)).toBe("<a>r</a>");
    expect(sanitizeEmailHtml(`<a href="#part2">f</a>`)).toBe(`<a href="#part2">f</a>`);
  });

  it("drops <style> blocks and the head: they would restyle the whole app page", () => {
    const out = sanitizeEmailHtml(
      `<html><head><title>Newsletter</title><style>body{display:none} .x{background:url(https://t.test/p.gif)}</style></head><body><p>Body</p></body></html>`,
    );
    expect(out).toBe("<p>Body</p>");
  });

  it("strips NUL characters", () => {
    expect(sanitizeEmailHtml("<p>a\u0000b</p>")).toBe("<p>ab</p>");
  });
});

describe("sanitizeEmailHtml: remote content is blocked", () => {
  it("removes remote and protocol-relative image sources, keeps cid: and data:image", () => {
    const out = sanitizeEmailHtml(
      `<img src="https://tracker.test/open.gif?u=1" alt="a"><img src="http://t.test/b.png"><img src="//t.test/c.png">` +
        `<img src="\\\\t.test\\d.png"><img src=" HTTPS://t.test/e.png"><img src="cid:logo@example.test" alt="logo">` +
        `<img src="${PIXEL}" alt="pixel"><img src="data:text/html,<b>x</b>"><img src="/relative.png">`,
    );
    expect(out).not.toMatch(/t\.test|tracker|text\/html|relative\.png/);
    expect(out).toContain(`<img src="cid:logo@example.test" alt="logo" />`);
    expect(out).toContain(`<img src="${PIXEL}" alt="pixel" />`);
    expect(out).toContain(`<img alt="a" data-blocked-remote="1" />`);
  });

  it("removes remote background attributes and every srcset", () => {
    const out = sanitizeEmailHtml(
      `<table background="https://t.test/bg.png"><tr><td background="//t.test/td.png" bgcolor="#fff">x</td></tr></table>` +
        `<img src="cid:a" srcset="https://t.test/2x.png 2x">`,
    );
    expect(out).not.toMatch(/t\.test|srcset/);
    expect(out).toContain(`bgcolor="#fff"`);
    expect(countBlockedRemoteContent(out)).toBe(3);
  });

  it("keeps harmless inline styles and drops those that fetch or run something", () => {
    expect(sanitizeEmailHtml(`<p style="color: red; font-weight: bold">x</p>`)).toBe(`<p style="color: red; font-weight: bold">x</p>`);
    const bad = [
      "background: url(https://t.test/p.gif)",
      "background-image: URL( 'http://t.test/p.gif' )",
      "background: url(/*x*/https://t.test/p.gif)",
      "background: ur/**/l(https://t.test/p.gif)",
      "background: u\\72 l(https://t.test/p.gif)",
      "background-image: image-set('https://t.test/p.gif' 1x)",
      "width: expression(alert(1))",
      "@import 'https://t.test/s.css'",
      "behavior: url(x.htc)",
      "-moz-binding: url(x.xml#xss)",
      "position: fixed; top: 0; left: 0; width: 100%",
    ];
    for (const style of bad) {
      const out = sanitizeEmailHtml(`<div style="${style.replaceAll('"', "&quot;")}">x</div>`);
      expect(out, style).not.toMatch(/style=/);
      expect(out).toContain(">x</div>");
    }
  });

  it("counts blocked elements on the original and on the stored (sanitised) HTML alike", () => {
    const html =
      `<p>Hello</p><img src="https://t.test/1.gif"><div style="background:url(https://t.test/2.gif)">x</div>` +
      `<img src="cid:ok"><a href="https://example.test">link</a>`;
    expect(countBlockedRemoteContent(html)).toBe(2);
    const stored = sanitizeEmailHtml(html);
    expect(countBlockedRemoteContent(stored)).toBe(2);
    expect(sanitizeEmailHtml(stored)).toBe(stored);
    expect(countBlockedRemoteContent("<p>plain</p>")).toBe(0);
  });

  it("keeps the usual layout of mail: tables, fonts, alignment", () => {
    const html = `<table width="600" cellpadding="0" cellspacing="0" border="0"><tr><td align="center" valign="top"><font color="#333" face="Arial" size="2"><b>Hi</b></font></td></tr></table>`;
    expect(sanitizeEmailHtml(html)).toBe(html);
  });
});

describe("sanitizeWithReport with remote images allowed (the viewer's click)", () => {
  it("keeps https image sources and nothing else remote", () => {
    const { html, blockedRemote } = sanitizeWithReport(
      [
        `<img src="https://cdn.example.test/logo.png" alt="logo">`,
        `<img src="http://cdn.example.test/plain.png">`,
        `<img src="//cdn.example.test/relative.png">`,
        `<img src="javascript:alert(1)">`,
        `<img src="https://cdn.example.test/a.png" srcset="https://cdn.example.test/b.png 2x">`,
        `<div style="background: url(https://cdn.example.test/bg.png)">x</div>`,
        `<table background="https://cdn.example.test/t.png"><tr><td>t</td></tr></table>`,
        `<script src="https://cdn.example.test/s.js"></script>`,
      ].join(""),
      { remoteImages: true },
    );
    expect(html).toContain(`<img src="https://cdn.example.test/logo.png" alt="logo" />`);
    expect(html).toContain(`<img src="https://cdn.example.test/a.png"`);
    expect(html).not.toMatch(/plain\.png|relative\.png|javascript|b\.png|bg\.png|t\.png|s\.js/);
    expect(blockedRemote).toBe(5);
  });

  it("blocks them all without the click", () => {
    expect(sanitizeWithReport(`<img src="https://cdn.example.test/logo.png">`).html).toBe(`<img ${"data-blocked-remote"}="1" />`);
  });
});
