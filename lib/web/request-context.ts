import { randomBytes } from "node:crypto";

/**
 * What the web server (serve-web-app.ts) tells the app about each request, in
 * request headers it always sets itself (a client's own values are replaced):
 * an id that is also in every log line about the request and in the answer's
 * X-Request-Id, and the address the browser asked for, so a page that needs a
 * signed-in user can send a signed-out visitor to sign in and back to it.
 */
export const REQUEST_ID_HEADER = "x-request-id";
export const REQUESTED_PATH_HEADER = "x-connected-apps-requested-path";

export function newRequestId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * The path and query a person would see in the address bar: Next.js's own
 * `_rsc` parameter (client navigations) is not part of it.
 */
export function requestedPath(url: string): string {
  const parsed = new URL(url, "http://localhost");
  parsed.searchParams.delete("_rsc");
  return parsed.pathname + parsed.search;
}
