import { createServer, type IncomingMessage, type Server } from "node:http";
import next from "next";
import { env } from "#lib/env";
import { logger } from "#lib/logger";
import { CLIENT_ADDRESS_HEADER, isTrustedProxy, resolveClientAddress, trustedProxies } from "./client-address";
import { REQUEST_ID_HEADER, REQUESTED_PATH_HEADER, newRequestId, requestedPath } from "./request-context";
import { newNonce, pageContentSecurityPolicy, securityHeaders } from "./security-headers";

/** Headers through which a client could claim another address or origin: believed only from a trusted proxy. */
const FORWARDING_HEADERS = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip"];

/**
 * The web process: the production build of the Next.js app behind a small
 * HTTP server of ours, which does for every request what Next.js cannot be
 * told to do: works out the client's address (TRUSTED_PROXIES), drops
 * forwarding headers nobody trusted vouches for, gives the request an id
 * (X-Request-Id, in the log and on error pages) and tells the app which
 * address was asked for (request-context.ts), and sets the security headers,
 * with a fresh CSP nonce for pages. (A Next.js proxy could set
 * headers too, but it buffers request bodies of up to 10 MB before any route
 * can refuse them.)
 */
export async function serveWebApp(options: { dir: string; hostname?: string; port: number }): Promise<Server> {
  const config = env();
  const https = config.APP_URL.startsWith("https:");
  const trusted = trustedProxies(config.TRUSTED_PROXIES);
  const app = next({ dev: false, dir: options.dir, hostname: options.hostname, port: options.port });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = createServer((request, response) => {
    const peer = request.socket.remoteAddress;
    const viaTrustedProxy = peer !== undefined && isTrustedProxy(peer, trusted);
    const client = resolveClientAddress(peer, header(request, "x-forwarded-for"), trusted);
    if (!viaTrustedProxy) for (const name of FORWARDING_HEADERS) delete request.headers[name];
    // Next.js fills X-Forwarded-For from the socket when it is missing; ours is the one the app reads.
    if (client) request.headers[CLIENT_ADDRESS_HEADER] = client;
    else delete request.headers[CLIENT_ADDRESS_HEADER];

    const requestId = newRequestId();
    request.headers[REQUEST_ID_HEADER] = requestId;
    request.headers[REQUESTED_PATH_HEADER] = requestedPath(request.url ?? "/");
    response.setHeader("X-Request-Id", requestId);

    const path = (request.url ?? "/").split("?")[0]!;
    const isPage = !path.startsWith("/api/") && !path.startsWith("/_next/") && !/\.[a-z0-9]+$/i.test(path);
    const nonce = isPage ? newNonce() : undefined;
    // Next.js reads the nonce for its scripts from the policy on the request.
    const remoteImages = nonce !== undefined && showsRemoteImages(request.url ?? "/");
    if (nonce) request.headers["content-security-policy"] = pageContentSecurityPolicy(nonce, https, { remoteImages });
    else delete request.headers["content-security-policy"];
    for (const [name, value] of Object.entries(securityHeaders({ https, nonce, remoteImages }))) response.setHeader(name, value);

    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error, path, requestId }, "unhandled error serving a request");
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end("Something went wrong on our side");
    });
  });
  // A slow client may not hold a socket forever (slowloris): bound the headers and the whole request.
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  // An idle kept-alive connection outlives the client's own reuse window (undici, browsers, proxies keep them 4–60 s):
  // the client closes it first, instead of sending a request into a socket this server is closing.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => resolve());
  });
  return server;
}

/** A message page opened with "Show remote images" (a full page load: the policy is the document's). */
function showsRemoteImages(url: string): boolean {
  const parsed = new URL(url, "http://localhost");
  return /^\/messages\/[0-9a-f-]{36}$/i.test(parsed.pathname) && parsed.searchParams.get("images") === "remote";
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

