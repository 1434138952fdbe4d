import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { CustomFetch } from "openid-client";
import { Agent, fetch as undiciFetch, type Response as UndiciResponse } from "undici";
import { env } from "#lib/env";
import { classifyAddress } from "./address-policy";
import { ProviderNetworkError, errorCode, findProviderNetworkError } from "./errors";
import { isInsecureHost, matchesNoProxy, normalizeHost } from "./host-rules";
import { pinnedConnector, type ProxyRoute, type ResolvedAddress } from "./pinned-connector";
import { readAtMost } from "./read-at-most";

export { ProviderNetworkError, findProviderNetworkError, type ProviderNetworkReason } from "./errors";
export type { ResolvedAddress } from "./pinned-connector";

/**
 * The one way the server calls OAuth providers (discovery, token, revocation,
 * introspection, userinfo). See docs/architecture.md, "API conventions":
 *
 * - https only, except hosts listed in INSECURE_OAUTH_HOSTS (plain http allowed);
 * - the host is resolved ONCE, every address checked (no loopback, private,
 *   link-local, CGNAT, multicast… unless the host is listed), and the
 *   connection goes to a checked address: no second lookup, so DNS rebinding
 *   cannot swap the address after the check;
 * - through HTTPS_PROXY (unless NO_PROXY matches), the same check, then
 *   `CONNECT <checked address>:<port>`, TLS with the host name; only the
 *   proxy's own address is exempt;
 * - redirects are never followed: a 3xx comes back as is;
 * - a time limit and a body size limit; failures throw ProviderNetworkError.
 *
 * Each call uses its own undici Agent (closed before returning), so a
 * connection is never reused for another host or another check.
 */

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 1024 * 1024;

export interface NetworkPolicy {
  /** INSECURE_OAUTH_HOSTS: exact host names or IP literals (case-insensitive) allowed over http and on private addresses. */
  insecureHosts: readonly string[];
  /** HTTPS_PROXY: an http:// or https:// proxy URL. */
  httpsProxy?: string | undefined;
  /** NO_PROXY entries: `*`, `example.com`, `.example.com`, IP literals, optionally with `:port`. */
  noProxy: readonly string[];
  /** Trusted CA certificates (PEM) replacing Node's roots; for tests against a self-signed server. */
  ca?: string | readonly string[];
  /** Host name resolver (all addresses, resolver order); defaults to the system resolver. Tests inject one. */
  lookup?: (hostname: string) => Promise<ResolvedAddress[]>;
}

export interface SafeFetchInit {
  method?: string;
  headers?: HeadersInit;
  body?: string | URLSearchParams | Uint8Array | null;
  /** Whole call: DNS, connect, proxy, TLS, headers and body. Default 10 s. */
  timeoutMs?: number;
  /** Largest response body accepted (after content decoding). Default 1 MiB. */
  maxBytes?: number;
  signal?: AbortSignal | null;
}

/** The policy of this process, from lib/env.ts. */
export function policyFromEnv(config: {
  INSECURE_OAUTH_HOSTS: string[];
  HTTPS_PROXY?: string | undefined;
  NO_PROXY: string[];
} = env()): NetworkPolicy {
  return { insecureHosts: config.INSECURE_OAUTH_HOSTS, httpsProxy: config.HTTPS_PROXY, noProxy: config.NO_PROXY };
}

const LISTING_HINT = "list the host in INSECURE_OAUTH_HOSTS only for testing";

export async function safeFetch(
  input: string | URL,
  init: SafeFetchInit = {},
  policy: NetworkPolicy = policyFromEnv(),
): Promise<Response> {
  const url = parseUrl(input);
  const hostname = normalizeHost(url.hostname);
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  const insecure = isInsecureHost(hostname, port, policy.insecureHosts);
  const protocol = url.protocol === "https:" || (url.protocol === "http:" && insecure) ? url.protocol : undefined;
  if (!protocol) {
    const what = url.protocol === "http:" ? "plain http" : `the ${url.protocol.replace(/:$/, "")} scheme`;
    throw new ProviderNetworkError(
      "insecure_url",
      hostname,
      `the URL for ${hostname} uses ${what}; only https is allowed (${LISTING_HINT})`,
    );
  }
  if (url.username || url.password) {
    throw new ProviderNetworkError(
      "insecure_url",
      hostname,
      `the URL for ${hostname} carries a user name or password; put credentials in the request, not the URL`,
    );
  }
  const headers = normalizeHeaders(init.headers, hostname);
  const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = init.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeoutSignal = AbortSignal.timeout(timeoutMs);
  const userSignal = init.signal ?? undefined;
  const signal = userSignal ? AbortSignal.any([userSignal, timeoutSignal]) : timeoutSignal;

  let agent: Agent | undefined;
  try {
    signal.throwIfAborted();
    const addresses = await untilAborted(resolveHost(hostname, policy, "target"), signal);
    if (!insecure) assertPublic(hostname, addresses);
    const proxy = await untilAborted(proxyRoute(hostname, port, policy), signal);
    agent = new Agent({
      connect: pinnedConnector({ target: { hostname, port, protocol, addresses }, proxy, ca: policy.ca, signal }),
      // One request per call: no pipelining, nothing kept for later.
      connections: 1,
    });
    const response = await undiciFetch(url, {
      method: init.method ?? "GET",
      headers,
      body: init.body ?? undefined,
      redirect: "manual",
      signal,
      dispatcher: agent,
    });
    const bytes = await readBody(response, maxBytes, hostname);
    return toGlobalResponse(response, bytes);
  } catch (error) {
    throw translateError(error, { hostname, timeoutMs, timeoutSignal, userSignal });
  } finally {
    if (agent) await agent.destroy().catch(() => undefined);
  }
}

/**
 * openid-client 6's `customFetch` with safeFetch behind it. The policy is read
 * from lib/env.ts on each call unless given.
 *
 *   client.discovery(issuer, clientId, secret, undefined, { [client.customFetch]: openidClientFetch })
 *
 * Errors reach the caller wrapped by openid-client (ClientError with our
 * ProviderNetworkError as `cause`): use findProviderNetworkError(error).
 */
export function createOpenidClientFetch(
  policy?: NetworkPolicy,
  limits: { timeoutMs?: number; maxBytes?: number } = {},
): CustomFetch {
  return (url, options) =>
    safeFetch(
      url,
      {
        method: options.method,
        headers: options.headers,
        body: toSafeBody(options.body),
        signal: options.signal,
        ...limits,
      },
      policy ?? policyFromEnv(),
    );
}

export const openidClientFetch: CustomFetch = (url, options) => createOpenidClientFetch()(url, options);

function toSafeBody(body: Parameters<CustomFetch>[1]["body"]): SafeFetchInit["body"] {
  if (body === undefined || body === null || typeof body === "string" || body instanceof URLSearchParams) return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError("safeFetch does not send streamed request bodies");
}

function parseUrl(input: string | URL): URL {
  try {
    return new URL(input);
  } catch {
    throw new ProviderNetworkError("insecure_url", "", "the provider URL is not a valid absolute URL");
  }
}

function normalizeHeaders(init: HeadersInit | undefined, hostname: string): [string, string][] {
  try {
    return [...new Headers(init).entries()];
  } catch {
    // Headers' own message quotes the offending value, which may be a secret.
    throw new TypeError(`safeFetch: a request header for ${hostname} has an invalid name or value`);
  }
}

async function resolveHost(
  hostname: string,
  policy: NetworkPolicy,
  role: "target" | "proxy",
): Promise<ResolvedAddress[]> {
  const family = isIP(hostname);
  if (family === 4 || family === 6) return [{ address: hostname, family }];
  const what = role === "proxy" ? `the proxy host ${hostname}` : hostname;
  let addresses: ResolvedAddress[];
  try {
    addresses = policy.lookup
      ? await policy.lookup(hostname)
      : (await dnsLookup(hostname, { all: true })).map((entry) => ({
          address: entry.address,
          family: entry.family === 6 ? (6 as const) : (4 as const),
        }));
  } catch (error) {
    const code = errorCode(error);
    throw new ProviderNetworkError("dns", hostname, `${what} could not be resolved${code ? ` (${code})` : ""}`, code);
  }
  if (addresses.length === 0) {
    throw new ProviderNetworkError("dns", hostname, `${what} resolves to no address`);
  }
  return addresses;
}

/** Every address must be public: one private answer among public ones is refused too. */
function assertPublic(hostname: string, addresses: readonly ResolvedAddress[]): void {
  for (const { address } of addresses) {
    const verdict = classifyAddress(address);
    if (verdict.allowed) continue;
    const subject = isIP(hostname) ? `${hostname} is` : `${hostname} resolves to ${verdict.address},`;
    throw new ProviderNetworkError("blocked_address", hostname, `${subject} ${verdict.description}; ${LISTING_HINT}`);
  }
}

async function proxyRoute(hostname: string, port: number, policy: NetworkPolicy): Promise<ProxyRoute | undefined> {
  if (!policy.httpsProxy || matchesNoProxy(hostname, port, policy.noProxy)) return undefined;
  let proxyUrl: URL;
  try {
    proxyUrl = new URL(policy.httpsProxy);
  } catch {
    throw new ProviderNetworkError("connect", hostname, "HTTPS_PROXY is not a valid URL");
  }
  if (proxyUrl.protocol !== "http:" && proxyUrl.protocol !== "https:") {
    throw new ProviderNetworkError(
      "connect",
      hostname,
      `HTTPS_PROXY must be an http:// or https:// URL, not ${proxyUrl.protocol.replace(/:$/, "")}://`,
    );
  }
  const proxyHost = normalizeHost(proxyUrl.hostname);
  const route: ProxyRoute = {
    protocol: proxyUrl.protocol,
    hostname: proxyHost,
    port: proxyUrl.port ? Number(proxyUrl.port) : proxyUrl.protocol === "https:" ? 443 : 80,
    // The proxy is the one address exempt from the check (it may well be on a private network).
    addresses: await resolveHost(proxyHost, policy, "proxy"),
  };
  if (proxyUrl.username || proxyUrl.password) {
    const user = decodeURIComponent(proxyUrl.username);
    const password = decodeURIComponent(proxyUrl.password);
    route.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  }
  return route;
}

async function readBody(response: UndiciResponse, maxBytes: number, hostname: string): Promise<Uint8Array<ArrayBuffer> | null> {
  const tooLarge = () =>
    new ProviderNetworkError(
      "too_large",
      hostname,
      `the response from ${hostname} is larger than ${maxBytes} bytes; refused`,
    );
  if (!response.body) return null;
  const declared = response.headers.get("content-length");
  if (declared !== null && !response.headers.has("content-encoding") && Number(declared) > maxBytes) {
    await response.body.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const bytes = await readAtMost(response.body as ReadableStream<Uint8Array>, maxBytes);
  if (!bytes) throw tooLarge();
  return bytes;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** A standard global Response (openid-client checks `instanceof Response` against the global class). */
function toGlobalResponse(response: UndiciResponse, bytes: Uint8Array<ArrayBuffer> | null): Response {
  const headers = new Headers();
  for (const [name, value] of response.headers) headers.append(name, value);
  if (headers.has("content-encoding")) {
    // undici decoded the body already (gzip, deflate, br): the header no longer describes it.
    headers.delete("content-encoding");
    headers.delete("content-length");
  }
  const body = NULL_BODY_STATUS.has(response.status) ? null : bytes;
  try {
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  } catch {
    // A reason phrase the Response constructor does not accept: keep the status, drop the phrase.
    return new Response(body, { status: response.status, headers });
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}

function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof Error && reason.name === "TimeoutError";
}

function translateError(
  error: unknown,
  context: { hostname: string; timeoutMs: number; timeoutSignal: AbortSignal; userSignal: AbortSignal | undefined },
): unknown {
  const { hostname } = context;
  const ours = findProviderNetworkError(error);
  if (ours) return ours;
  if (context.timeoutSignal.aborted) {
    return new ProviderNetworkError("timeout", hostname, `${hostname} did not answer within ${context.timeoutMs} ms`);
  }
  if (context.userSignal?.aborted) {
    if (isTimeoutReason(context.userSignal.reason)) {
      return new ProviderNetworkError("timeout", hostname, `${hostname} did not answer within the caller's time limit`);
    }
    return context.userSignal.reason; // the caller's own abort: theirs to handle
  }
  if (error instanceof TypeError && error.message !== "fetch failed") return error; // a bad argument, not the network
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const code = errorCode(cause);
  return new ProviderNetworkError(
    "connect",
    hostname,
    `the connection to ${hostname} failed during the exchange${code ? ` (${code})` : ""}`,
    code,
  );
}
