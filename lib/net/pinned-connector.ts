import http from "node:http";
import https from "node:https";
import net, { type LookupFunction, type Socket } from "node:net";
import tls from "node:tls";
import type buildConnector from "undici/types/connector";
import { ProviderNetworkError, errorCode } from "./errors";

/**
 * The `connect` function safeFetch gives undici: it opens the connection to
 * addresses that were resolved and checked BEFORE the request started, never
 * to whatever undici (or a second DNS query) would pick.
 *
 * - Direct: TCP to the checked addresses (a lookup function that returns the
 *   checked list, so Node never asks DNS again; with several addresses Node's
 *   happy-eyeballs tries them in turn), then TLS with SNI and certificate check
 *   against the host name.
 * - Through HTTPS_PROXY: TCP (or TLS for an https:// proxy) to the proxy,
 *   `CONNECT <checked address>:<port>`, then TLS over the tunnel with SNI and
 *   certificate check against the host name. Plain http targets (only hosts in
 *   INSECURE_OAUTH_HOSTS) go through the same tunnel, without TLS.
 *
 * TCP-level failures (and proxy refusals) become ProviderNetworkError
 * "connect", handshake failures "tls". An abort rejects with the signal's
 * reason; safeFetch turns that into "timeout".
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface PinnedTarget {
  /** Host name (or IP literal, without brackets) used for SNI, the certificate check and messages. */
  hostname: string;
  port: number;
  protocol: "http:" | "https:";
  /** Checked addresses, in the resolver's order; never empty. */
  addresses: readonly ResolvedAddress[];
}

export interface ProxyRoute {
  protocol: "http:" | "https:";
  /** Proxy host name, without brackets. */
  hostname: string;
  port: number;
  /** The proxy's addresses: resolved once, exempt from the address check. */
  addresses: readonly ResolvedAddress[];
  /** "Basic …" built from the proxy URL's user info, if any. Never logged. */
  authorization?: string;
}

export interface PinnedConnectorOptions {
  target: PinnedTarget;
  proxy?: ProxyRoute;
  /** Trusted CA certificates (PEM) instead of Node's roots, for the target and an https proxy. */
  ca?: string | readonly string[];
  signal: AbortSignal;
}

export function pinnedConnector(options: PinnedConnectorOptions): buildConnector.connector {
  return (_undiciOptions, callback) => {
    openSocket(options).then(
      (socket) => callback(null, socket),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
    );
  };
}

async function openSocket(options: PinnedConnectorOptions): Promise<Socket> {
  const raw = options.proxy ? await openTunnel(options, options.proxy) : await openDirect(options);
  if (options.target.protocol === "http:") return raw;
  return startTls(raw, options);
}

/** A lookup function that answers with the given (already checked) addresses and never asks DNS. */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, lookupOptions, callback) => {
    const family = lookupOptions.family === "IPv4" ? 4 : lookupOptions.family === "IPv6" ? 6 : lookupOptions.family;
    const list = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : [...addresses];
    const first = list[0];
    if (!first) {
      const error: NodeJS.ErrnoException = new Error("no checked address of the requested family");
      error.code = "ENOTFOUND";
      callback(error, "", 0);
      return;
    }
    if (lookupOptions.all) callback(null, list.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, first.address, first.family);
  };
}

/** "1.2.3.4:443" or "[2001:db8::1]:443". */
export function formatAuthority(address: string, port: number): string {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

function openDirect({ target, signal }: PinnedConnectorOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket = net.connect({
      host: target.hostname,
      port: target.port,
      lookup: pinnedLookup(target.addresses),
      autoSelectFamily: target.addresses.length > 1,
    });
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(signal.reason);
    };
    const onConnect = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error) => {
      cleanup();
      socket.destroy();
      const where = target.addresses.map((a) => formatAuthority(a.address, target.port)).join(", ");
      const code = errorCode(error);
      reject(
        new ProviderNetworkError(
          "connect",
          target.hostname,
          `could not connect to ${target.hostname} (${where}): ${plainConnectError(code)}`,
          code,
        ),
      );
    };
    const cleanup = () => {
      signal.removeEventListener("abort", onAbort);
      socket.off("connect", onConnect);
      socket.off("error", onError);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", onConnect);
    socket.once("error", onError);
  });
}

function openTunnel({ target, signal, ca }: PinnedConnectorOptions, proxy: ProxyRoute): Promise<Socket> {
  const first = target.addresses[0];
  const proxyName = formatAuthority(proxy.hostname, proxy.port);
  return new Promise((resolve, reject) => {
    if (signal.aborted || !first) {
      reject(signal.aborted ? signal.reason : new Error("no checked address"));
      return;
    }
    const authority = formatAuthority(first.address, target.port);
    const headers: Record<string, string> = { host: authority };
    if (proxy.authorization) headers["proxy-authorization"] = proxy.authorization;
    const requestOptions: https.RequestOptions = {
      host: proxy.hostname,
      port: proxy.port,
      method: "CONNECT",
      path: authority,
      setHost: false,
      headers,
      agent: false,
      lookup: pinnedLookup(proxy.addresses),
    };
    if (proxy.protocol === "https:") {
      if (!net.isIP(proxy.hostname)) requestOptions.servername = proxy.hostname;
      requestOptions.rejectUnauthorized = true;
      if (ca) requestOptions.ca = [...(typeof ca === "string" ? [ca] : ca)];
    }
    const request = (proxy.protocol === "https:" ? https : http).request(requestOptions);
    let settled = false;
    const settle = (error: unknown, socket?: Socket) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (socket) resolve(socket);
      else reject(error);
    };
    const onAbort = () => {
      request.destroy();
      settle(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    request.once("connect", (response: http.IncomingMessage, socket: Socket, head: Buffer) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        socket.destroy();
        settle(
          new ProviderNetworkError(
            "connect",
            target.hostname,
            `the proxy ${proxyName} refused the tunnel to ${target.hostname} (${authority}): HTTP ${status}`,
            `HTTP_${status}`,
          ),
        );
        return;
      }
      if (head.length > 0) socket.unshift(head);
      settle(null, socket);
    });
    request.once("response", (response: http.IncomingMessage) => {
      response.resume();
      settle(
        new ProviderNetworkError(
          "connect",
          target.hostname,
          `the proxy ${proxyName} answered CONNECT with HTTP ${response.statusCode ?? 0} instead of opening a tunnel`,
        ),
      );
    });
    // `on`, not `once`: a late second error must not go unhandled.
    request.on("error", (error: Error) => {
      if (signal.aborted) {
        settle(signal.reason);
        return;
      }
      const code = errorCode(error);
      settle(
        new ProviderNetworkError(
          "connect",
          target.hostname,
          `could not reach the proxy ${proxyName} for ${target.hostname}: ${plainConnectError(code)}`,
          code,
        ),
      );
    });
    request.end();
  });
}

function startTls(raw: Socket, { target, signal, ca }: PinnedConnectorOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const connectionOptions: tls.ConnectionOptions = {
      socket: raw,
      // The certificate is checked against this name (servername when set, else host).
      host: target.hostname,
      rejectUnauthorized: true,
      ALPNProtocols: ["http/1.1"],
    };
    // SNI carries a host name only (RFC 6066); an IP literal is checked against the certificate's IP entries.
    if (!net.isIP(target.hostname)) connectionOptions.servername = target.hostname;
    if (ca) connectionOptions.ca = [...(typeof ca === "string" ? [ca] : ca)];
    const socket = tls.connect(connectionOptions);
    const onAbort = () => {
      cleanup();
      socket.destroy();
      raw.destroy();
      reject(signal.reason);
    };
    const onSecure = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error) => {
      cleanup();
      socket.destroy();
      raw.destroy();
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const code = errorCode(error);
      reject(
        new ProviderNetworkError("tls", target.hostname, `TLS with ${target.hostname} failed: ${plainTlsError(error, code)}`, code),
      );
    };
    const cleanup = () => {
      signal.removeEventListener("abort", onAbort);
      socket.off("secureConnect", onSecure);
      socket.off("error", onError);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("secureConnect", onSecure);
    socket.once("error", onError);
  });
}

function plainConnectError(code: string | undefined): string {
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (ECONNREFUSED)";
    case "ECONNRESET":
      return "connection reset (ECONNRESET)";
    case "ETIMEDOUT":
      return "connection timed out (ETIMEDOUT)";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `no route to the address (${code})`;
    case undefined:
      return "the connection failed";
    default:
      return `the connection failed (${code})`;
  }
}

function plainTlsError(error: Error, code: string | undefined): string {
  switch (code) {
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `the certificate is not valid for this host name (${code})`;
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
      return `the certificate is self-signed and not trusted (${code})`;
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "UNABLE_TO_GET_ISSUER_CERT":
      return `the certificate's issuer is not trusted (${code})`;
    case "CERT_HAS_EXPIRED":
      return `the certificate has expired (${code})`;
    case "CERT_NOT_YET_VALID":
      return `the certificate is not valid yet (${code})`;
    case "ECONNRESET":
      return "the server closed the connection during the handshake (ECONNRESET)";
    default:
      // Node's TLS messages name certificates and protocols, never request data.
      return code ? `${error.message} (${code})` : error.message;
  }
}
