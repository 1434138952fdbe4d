import { randomBytes } from "node:crypto";

/**
 * Every security header of every response, in one place; the web server
 * (serve-web-app.ts) sets them before Next.js answers.
 *
 * Pages get a Content-Security-Policy with a fresh nonce per response:
 * Next.js reads the nonce from the policy on the request and puts it on the
 * scripts it renders, and 'strict-dynamic' lets those load the rest; no
 * other script runs. Styles may be inline (React style attributes, and the
 * sanitised HTML of a message, shown in a srcdoc frame that inherits this
 * policy). Nothing may frame the app. API answers and files get a policy
 * that allows nothing at all.
 */

export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * `remoteImages`: the one page that shows a message's remote images, after
 * the viewer asked for them (lib/messages/remote-images.ts): https images
 * from anywhere, nothing else.
 */
export function pageContentSecurityPolicy(nonce: string, https: boolean, options: { remoteImages?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    options.remoteImages ? "img-src 'self' data: blob: https:" : "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

const NOTHING = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The headers of one response: `nonce` for a page, none for an API answer or a file. */
export function securityHeaders(options: { https: boolean; nonce?: string; remoteImages?: boolean }): Record<string, string> {
  return {
    "Content-Security-Policy": options.nonce ? pageContentSecurityPolicy(options.nonce, options.https, { remoteImages: options.remoteImages }) : NOTHING,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    // OAuth flows carry codes and states in URLs: never send them on as a Referer.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "X-Robots-Tag": "noindex, nofollow",
    ...(options.https ? { "Strict-Transport-Security": "max-age=31536000; includeSubDomains" } : {}),
  };
}
