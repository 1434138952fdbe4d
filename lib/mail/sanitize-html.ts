import sanitizeHtml from "sanitize-html";

/**
 * Makes the HTML of a received message safe to show in the app.
 *
 * Beyond script removal, remote content is blocked: a remote image is a read
 * receipt and a tracker, so nothing that the browser would fetch on its own
 * (`src`, `background`, `srcset`, CSS `url()`/`image-set()`) may point
 * outside the message. Inline images stay (`cid:` and `data:image/…`).
 * Elements that lost remote content carry `data-blocked-remote="1"` so the UI
 * can count them on the stored HTML and say "remote images blocked".
 */

export const BLOCKED_REMOTE_ATTRIBUTE = "data-blocked-remote";

const ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  "img",
  "font",
  "center",
  "big",
  "tt",
  "strike",
  "del",
  "ins",
];
const ALLOWED_TAG_SET = new Set(ALLOWED_TAGS);

// Layout attributes mail clients still use. No `class` or `id`: <style> blocks
// are dropped (they would restyle the whole app page), so classes do nothing,
// and an `id` could clobber the app's own DOM names.
const TABLE_CELL = ["width", "height", "bgcolor", "background", "colspan", "rowspan", "nowrap"];
const ALLOWED_ATTRIBUTES: sanitizeHtml.IOptions["allowedAttributes"] = {
  "*": ["style", "title", "dir", "lang", "align", "valign", BLOCKED_REMOTE_ATTRIBUTE],
  a: ["href", "name", "target", "rel"],
  img: ["src", "alt", "width", "height", "border", "hspace", "vspace"],
  table: ["width", "height", "border", "cellpadding", "cellspacing", "bgcolor", "background"],
  tr: ["bgcolor", "background", "height"],
  thead: ["bgcolor", "background"],
  tbody: ["bgcolor", "background"],
  tfoot: ["bgcolor", "background"],
  td: TABLE_CELL,
  th: TABLE_CELL,
  col: ["span", "width"],
  colgroup: ["span", "width"],
  font: ["color", "face", "size"],
  ol: ["start", "type"],
  ul: ["type"],
  li: ["value"],
};

// Tags whose text content must go too, not only the tag: a <title> or a
// <style> body would otherwise show up as text in the message.
const NON_TEXT_TAGS = [
  "script",
  "style",
  "textarea",
  "option",
  "select",
  "noscript",
  "title",
  "head",
  "template",
  "iframe",
  "object",
  "embed",
  "svg",
  "math",
  "xml",
];

// Anything a browser fetches by itself from an inline style, and the old IE
// script hooks. The whole attribute goes: filtering declarations one by one is
// where sanitisers get fooled. A backslash is refused because CSS escapes
// (`u\72l(`) spell `url(` without the letters; `position: fixed` would let a
// message draw over the app's own UI.
const DANGEROUS_STYLE =
  /url\s*\(|image-set\s*\(|expression\s*\(|@import|\\|javascript:|vbscript:|behavior\s*:|-moz-binding|position\s*:\s*(fixed|absolute|sticky)/i;
const REMOTE_STYLE = /url\s*\(|image-set\s*\(|@import/i;

// What the browser would fetch from the network: an absolute http(s) URL or a
// protocol-relative one (`//host/x`, `\\host\x`; browsers treat both slashes alike).
const REMOTE_URL = /^(https?:|[/\\]{2})/i;
const INLINE_IMAGE = /^(cid:|data:image\/)/i;

// Browsers ignore control characters and spaces inside a URL's scheme (`java\tscript:`).
function compactUrl(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0020]+/g, "");
}

function withoutCssComments(css: string): string {
  return css.replace(/\/\*[\s\S]*?(\*\/|$)/g, "");
}

interface Report {
  blockedRemote: number;
}

/** What the viewer allowed for this one message: its remote images (https only), on a click. */
export interface SanitizeOptions {
  remoteImages?: boolean;
}

const HTTPS_URL = /^https:\/\//i;

function transform(report: Report, options: SanitizeOptions) {
  return (tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag => {
    const counted = ALLOWED_TAG_SET.has(tagName);
    const out: sanitizeHtml.Attributes = { ...attribs };
    let blocked = out[BLOCKED_REMOTE_ATTRIBUTE] !== undefined;

    for (const name of ["src", "background"]) {
      const value = out[name];
      if (value === undefined) continue;
      const url = compactUrl(value);
      if (options.remoteImages && tagName === "img" && name === "src" && HTTPS_URL.test(url)) continue;
      if (!INLINE_IMAGE.test(url)) {
        delete out[name];
        if (REMOTE_URL.test(url)) blocked = true;
      }
    }
    // A srcset lists several URLs separated by commas, which data: URLs contain
    // too: mail never needs one, so it always goes.
    if (out.srcset !== undefined) {
      if (/https?:|\/\//i.test(out.srcset)) blocked = true;
      delete out.srcset;
    }
    if (out.style !== undefined) {
      const css = withoutCssComments(out.style);
      if (DANGEROUS_STYLE.test(css)) {
        if (REMOTE_STYLE.test(css)) blocked = true;
        delete out.style;
      }
    }
    if (tagName === "a" && out.href !== undefined) {
      const href = compactUrl(out.href);
      // A relative link would point into this app; only the message's own
      // fragments (`#section`) and absolute links make sense.
      if (!href.startsWith("#") && !/^[a-z][a-z0-9+.-]*:/i.test(href)) {
        delete out.href;
      } else if (!href.startsWith("#")) {
        out.target = "_blank";
        out.rel = "noopener noreferrer";
      }
    }
    if (blocked) {
      out[BLOCKED_REMOTE_ATTRIBUTE] = "1";
      if (counted) report.blockedRemote += 1;
    } else {
      delete out[BLOCKED_REMOTE_ATTRIBUTE];
    }
    return { tagName, attribs: out };
  };
}

/**
 * The sanitised HTML and how many elements had remote content removed, in one
 * pass. `remoteImages` keeps the https sources of <img> (nothing else remote):
 * the page that shows such HTML allows https images in its CSP too.
 */
export function sanitizeWithReport(html: string, options: SanitizeOptions = {}): { html: string; blockedRemote: number } {
  const report: Report = { blockedRemote: 0 };
  const clean = sanitizeHtml(html.replaceAll("\u0000", ""), {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedSchemes: ["http", "https", "mailto", "tel"],
    allowedSchemesByTag: { img: options.remoteImages ? ["cid", "data", "https"] : ["cid", "data"] },
    allowedSchemesAppliedToAttributes: ["href", "src", "cite"],
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    nonTextTags: NON_TEXT_TAGS,
    // Our own check above: postcss per style attribute is slow and would keep url().
    parseStyleAttributes: false,
    transformTags: { "*": transform(report, options) },
  });
  return { html: clean, blockedRemote: report.blockedRemote };
}

/** Safe HTML for the message view: no scripts, handlers, forms, frames or remote content. */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeWithReport(html).html;
}

/**
 * How many elements had remote content removed. Works on the original HTML
 * and on the stored (already sanitised) HTML alike, through the marker.
 */
export function countBlockedRemoteContent(html: string): number {
  return sanitizeWithReport(html).blockedRemote;
}
