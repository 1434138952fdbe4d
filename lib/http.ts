import "server-only";
import { z } from "zod";
import { AppError, errorBody } from "./errors";
import { env } from "./env";
import { logger } from "./logger";
import { parseOrThrow } from "./validation";
import { signInPath, userFromRequest } from "./auth/current-user";
import type { SignedInUser } from "./auth/sign-in";
import { readAtMost } from "./net/read-at-most";
import { clientAddressOf } from "./web/client-address";
import { REQUEST_ID_HEADER, requestedPath } from "./web/request-context";

/**
 * The one route wrapper: authentication and role, zod parsing of params,
 * query and body, and every error turned into {"error":{"code","message"}}
 * with its catalogue status. Route files hold only the verb's work.
 */

/** Bodies larger than this are refused unless a route sets its own limit. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

type Auth = "public" | "user" | "admin";
type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface RouteContext<A extends Auth, P, Q, B> {
  request: Request;
  user: A extends "public" ? SignedInUser | null : SignedInUser;
  params: P;
  query: Q;
  body: B;
  ip: string | null;
}

export interface JsonResult {
  status?: number;
  json: unknown;
  headers?: Record<string, string>;
}

interface RouteOptions<A extends Auth, PS, QS, BS> {
  auth: A;
  params?: PS;
  query?: QS;
  body?: BS;
  /** The body may be left out (no bytes sent, whatever the headers say): the handler then gets undefined. */
  bodyOptional?: boolean;
  /**
   * The largest body this route reads (default DEFAULT_MAX_BODY_BYTES); reading stops there, sent length or not.
   * A function when it comes from the settings, which are read at the first request, not at import.
   */
  maxBodyBytes?: number | (() => number);
}

type NextContext = { params: Promise<Record<string, string | string[]>> };

export function route<
  A extends Auth,
  PS extends z.ZodType | undefined = undefined,
  QS extends z.ZodType | undefined = undefined,
  BS extends z.ZodType | undefined = undefined,
>(
  options: RouteOptions<A, PS, QS, BS>,
  handler: (context: RouteContext<A, Infer<PS>, Infer<QS>, Infer<BS>>) => Promise<JsonResult | Response>,
) {
  return async (request: Request, next: NextContext): Promise<Response> => {
    try {
      const user = await authenticate(request, options.auth);
      const params = options.params ? parseOrThrow(options.params, await next.params) : undefined;
      const query = options.query
        ? parseOrThrow(options.query, Object.fromEntries(new URL(request.url).searchParams), ["query"])
        : undefined;
      const body = options.body ? await readBody(request, options) : undefined;
      const result = await handler({
        request,
        user: user as RouteContext<A, unknown, unknown, unknown>["user"],
        params: params as Infer<PS>,
        query: query as Infer<QS>,
        body: body as Infer<BS>,
        ip: clientIp(request),
      });
      if (result instanceof Response) return result;
      return Response.json(result.json, { status: result.status ?? 200, headers: result.headers });
    } catch (error) {
      return errorResponse(error, request);
    }
  };
}

function bodyLimit(option: number | (() => number) | undefined): number {
  return typeof option === "function" ? option() : (option ?? DEFAULT_MAX_BODY_BYTES);
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Where a request was made, as the browser tells it: Sec-Fetch-Site (every
 * current browser sends it), else Origin. "cross" for another site (a
 * sibling subdomain included), "none" for an address typed or bookmarked,
 * null when neither header is there: not a browser, so no cookie of a
 * victim's either.
 */
export function requestSite(request: Request): "same-origin" | "none" | "cross" | null {
  const site = request.headers.get("sec-fetch-site");
  if (site) return site === "same-origin" ? "same-origin" : site === "none" ? "none" : "cross";
  const origin = request.headers.get("origin");
  if (!origin) return null;
  return origin === new URL(env().APP_URL).origin || origin === new URL(request.url).origin ? "same-origin" : "cross";
}

async function authenticate(request: Request, auth: Auth): Promise<SignedInUser | null> {
  if (auth === "public") return null;
  // A write with the session cookie must come from a page of this site (CSRF); API keys carry no cookie.
  if (!request.headers.has("authorization") && !SAFE_METHODS.has(request.method)) {
    const site = requestSite(request);
    if (site === "cross" || site === "none") throw new AppError("forbidden", "Cross-site request refused: use the app's own pages, or an API key");
  }
  const user = await userFromRequest(request);
  if (!user && isBrowserNavigation(request)) throw new SignInFirst(signInPath(requestedPath(request.url)));
  if (!user) throw new AppError("unauthorized", "Sign in or send an API key (Authorization: Bearer …)");
  if (auth === "admin" && user.role !== "admin") throw new AppError("forbidden", "This needs the admin role");
  return user;
}

/**
 * A link followed or an address typed in a browser (Connect, a download): a
 * signed-out person gets the sign-in page and then comes back, not JSON.
 */
function isBrowserNavigation(request: Request): boolean {
  return request.method === "GET" && !request.headers.has("authorization") && request.headers.get("sec-fetch-mode") === "navigate";
}

/** Thrown by authenticate() for a signed-out browser navigation: answered with a redirect to sign in. */
class SignInFirst extends Error {
  constructor(readonly location: string) {
    super("sign in first");
  }
}

/** The parsed body; with `bodyOptional`, a request that sends no bytes has none (undefined), whatever its headers. */
async function readBody<S extends z.ZodType>(request: Request, options: { body?: S; bodyOptional?: boolean; maxBodyBytes?: number | (() => number) }): Promise<unknown> {
  const bytes = await readBodyWithLimit(request, bodyLimit(options.maxBodyBytes));
  if (options.bodyOptional && bytes.length === 0) return undefined;
  return parseOrThrow(options.body!, parseJson(request, bytes));
}

function parseJson(request: Request, bytes: Buffer): unknown {
  // JSON only: a cross-site HTML form cannot send it without a CORS preflight,
  // which together with SameSite=Lax cookies keeps session-authenticated
  // writes safe without CSRF tokens.
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    throw new AppError("validation_failed", "Send the body as JSON with Content-Type: application/json");
  }
  const text = bytes.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("validation_failed", "The request body is not valid JSON");
  }
}

function tooLarge(limit: number): AppError {
  const size = limit >= 1_048_576 ? `${Math.round(limit / 1_048_576)} MiB` : `${Math.round(limit / 1024)} KiB`;
  return new AppError("payload_too_large", `The request body is larger than ${size}`);
}

/**
 * Reads a request body, and stops at `limit` bytes: a declared
 * Content-Length above it is refused before anything is read, and a chunked
 * body is cut off as soon as it passes it, so nobody can make the server hold
 * more than `limit` bytes of one request.
 */
export async function readBodyWithLimit(request: Request, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return Buffer.alloc(0);
  const bytes = await readAtMost(request.body, limit);
  if (!bytes) throw tooLarge(limit);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The client's address as the web server resolved it (TRUSTED_PROXIES; lib/web/client-address.ts). */
export function clientIp(request: Request): string | null {
  return clientAddressOf(request.headers);
}

/** Database down: the driver's connection errors, whichever layer wraps them. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === "string" && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "57P03", "P1001", "P1017"].includes(code)) {
      return true;
    }
    if (name === "DriverAdapterError" && typeof message === "string" && /connect|terminat|closed/i.test(message)) return true;
    if (typeof message === "string" && /Connection terminated|ECONNREFUSED|connect ETIMEDOUT|the database system is (starting|shutting) /.test(message)) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export function errorResponse(error: unknown, request?: Request): Response {
  if (error instanceof SignInFirst) {
    return new Response(null, { status: 303, headers: { location: new URL(error.location, env().APP_URL).toString(), "cache-control": "no-store" } });
  }
  if (error instanceof AppError) {
    return Response.json(errorBody(error), { status: error.status });
  }
  if (isDatabaseUnavailable(error)) {
    logger.warn({ path: request ? new URL(request.url).pathname : undefined }, "database unavailable");
    return Response.json(errorBody(new AppError("database_unavailable", "The database is unavailable; try again shortly")), {
      status: 503,
    });
  }
  // The message of an unknown error may hold anything: log it, answer with the request id that finds the log line.
  const requestId = request?.headers.get(REQUEST_ID_HEADER) ?? undefined;
  logger.error({ err: error, path: request ? new URL(request.url).pathname : undefined, requestId }, "unhandled error in route");
  const reference = requestId ? ` (request id ${requestId})` : "";
  return Response.json(errorBody(new AppError("internal_error", `Something went wrong on our side${reference}`)), { status: 500 });
}
