import { execFileSync } from "node:child_process";
import dns from "node:dns";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo, type Socket } from "node:net";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { gzipSync } from "node:zlib";
import * as client from "openid-client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createOpenidClientFetch,
  findProviderNetworkError,
  ProviderNetworkError,
  safeFetch,
  type NetworkPolicy,
  type ResolvedAddress,
} from "#lib/net/safe-fetch";

// Every byte these tests send goes to 127.0.0.1: servers listen there, other
// host names come from an injected resolver that answers 127.0.0.1 (or a
// blocked address, refused before any connection), and the test proxy tunnels
// only to loopback.

interface Seen {
  method: string;
  url: string;
  host: string | undefined;
  body: string;
  servername: string | false | null | undefined;
}

interface TestServer {
  port: number;
  seen: Seen[];
  connections: number;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

async function startServer(handler: Handler, tlsOptions?: { key: string; cert: string }): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state: TestServer = {
    port: 0,
    seen: [],
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      state.seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        host: req.headers.host,
        body,
        servername: tlsOptions ? (req.socket as TLSSocket).servername : undefined,
      });
      handler(req, res, body);
    });
  };
  const server = tlsOptions ? https.createServer(tlsOptions, listener) : http.createServer(listener);
  server.on(tlsOptions ? "secureConnection" : "connection", (socket: Socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  if (tlsOptions) server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

interface TestProxy {
  port: number;
  connects: { target: string; authorization: string | undefined }[];
  connections: number;
  mode: "tunnel" | "407";
  close(): Promise<void>;
}

/** A CONNECT proxy that records each CONNECT target and tunnels only to loopback addresses. */
async function startProxy(): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end();
  });
  const state: TestProxy = {
    port: 0,
    connects: [],
    connections: 0,
    mode: "tunnel",
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
  };
  server.on("connection", (socket: Socket) => {
    state.connections += 1;
    track(socket);
  });
  server.on("connect", (req: http.IncomingMessage, clientSocket: Socket, head: Buffer) => {
    const target = req.url ?? "";
    state.connects.push({ target, authorization: req.headers["proxy-authorization"] });
    if (state.mode === "407") {
      clientSocket.end("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const match = /^(127\.0\.0\.1|\[::1\]):(\d+)$/.exec(target);
    if (!match) {
      clientSocket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const upstream = net.connect(Number(match[2]), (match[1] ?? "").replace(/^\[|\]$/g, ""), () => {
      clientSocket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    track(upstream);
    upstream.on("error", () => clientSocket.destroy());
    clientSocket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

/** A resolver standing in for DNS: fixed answers, and a count of questions asked. */
function fakeDns(answers: Record<string, string[]>) {
  const questions: string[] = [];
  const lookup = async (hostname: string): Promise<ResolvedAddress[]> => {
    questions.push(hostname);
    const list = answers[hostname];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return list.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
  };
  return { lookup, questions };
}

function policy(overrides: Partial<NetworkPolicy> = {}): NetworkPolicy {
  return { insecureHosts: [], noProxy: [], ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<ProviderNetworkError> {
  const error = await promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderNetworkError);
  return error as ProviderNetworkError;
}

let origin: TestServer;
let other: TestServer;
let proxy: TestProxy;

// Safety net: a connection made by host name (a second lookup, the bug this
// module exists to prevent) goes through dns.lookup. Answer only "localhost"
// (from /etc/hosts) and IP literals (server.listen looks those up too), and
// record anything else instead of asking a DNS server.
const unexpectedLookups: string[] = [];
const systemLookup = dns.lookup;

beforeAll(() => {
  const guarded = ((hostname: string, options: unknown, callback?: unknown) => {
    if (hostname === "localhost" || net.isIP(hostname)) return (systemLookup as (...args: unknown[]) => void)(hostname, options, callback);
    unexpectedLookups.push(hostname);
    const done = (typeof options === "function" ? options : callback) as (error: Error) => void;
    process.nextTick(() => done(Object.assign(new Error(`test guard: no DNS for ${hostname}`), { code: "ENOTFOUND" })));
  }) as typeof dns.lookup;
  dns.lookup = guarded;
  return () => {
    dns.lookup = systemLookup;
  };
});

afterEach(() => {
  const seen = unexpectedLookups.splice(0);
  expect(seen, "host names looked up by the system resolver during connect").toEqual([]);
});

beforeAll(async () => {
  origin = await startServer((req, res, body) => {
    const url = new URL(req.url ?? "/", "http://x");
    switch (url.pathname) {
      case "/json":
        res.writeHead(200, { "content-type": "application/json", "set-cookie": ["a=1", "b=2"] });
        res.end(JSON.stringify({ hello: "world", host: req.headers.host }));
        return;
      case "/echo":
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`${req.method} ${req.headers["content-type"] ?? ""} ${body}`);
        return;
      case "/redirect":
        res.writeHead(302, { location: `http://127.0.0.1:${other.port}/landing` });
        res.end();
        return;
      case "/no-content":
        res.writeHead(204).end();
        return;
      case "/hang":
        return; // never answers
      case "/stall-body":
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("partial");
        return; // never ends
      case "/sized": {
        const size = Number(url.searchParams.get("size"));
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(size) });
        res.end(Buffer.alloc(size, 97));
        return;
      }
      case "/chunked": {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        for (let i = 0; i < 8; i += 1) res.write(Buffer.alloc(512, 98));
        res.end();
        return;
      }
      case "/gzip":
        res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
        res.end(gzipSync(Buffer.alloc(Number(url.searchParams.get("size")), 99)));
        return;
      default:
        res.writeHead(404).end();
    }
  });
  other = await startServer((_req, res) => res.writeHead(200).end("landed"));
  proxy = await startProxy();
});

afterAll(async () => {
  await Promise.all([origin?.close(), other?.close(), proxy?.close()]);
});

beforeEach(() => {
  for (const server of [origin, other]) {
    server.seen.length = 0;
    server.connections = 0;
  }
  proxy.connects.length = 0;
  proxy.connections = 0;
  proxy.mode = "tunnel";
});

describe("URL schemes", () => {
  it("refuses plain http unless the host is listed, before resolving or connecting", async () => {
    const dns = fakeDns({ "provider.test": ["127.0.0.1"] });
    const error = await failure(safeFetch("http://provider.test/json", {}, policy({ lookup: dns.lookup })));
    expect(error.reason).toBe("insecure_url");
    expect(error.message).toBe(
      "the URL for provider.test uses plain http; only https is allowed (list the host in INSECURE_OAUTH_HOSTS only for testing)",
    );
    expect(dns.questions).toEqual([]);

    const direct = await failure(safeFetch(`http://127.0.0.1:${origin.port}/json`, {}, policy()));
    expect(direct.reason).toBe("insecure_url");
    expect(origin.connections).toBe(0);
  });

  it("allows plain http to a listed host", async () => {
    const response = await safeFetch(`http://127.0.0.1:${origin.port}/json`, {}, policy({ insecureHosts: ["127.0.0.1"] }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: "world", host: `127.0.0.1:${origin.port}` });
  });

  it("refuses other schemes and credentials in the URL, even for a listed host", async () => {
    const listed = policy({ insecureHosts: ["127.0.0.1"] });
    expect((await failure(safeFetch("ftp://127.0.0.1/x", {}, listed))).reason).toBe("insecure_url");
    expect((await failure(safeFetch("file:///etc/passwd", {}, listed))).reason).toBe("insecure_url");
    const withCredentials = await failure(safeFetch(`http://user:pw@127.0.0.1:${origin.port}/json`, {}, listed));
    expect(withCredentials.reason).toBe("insecure_url");
    expect(withCredentials.message).not.toContain("pw");
    expect((await failure(safeFetch("not a url", {}, listed))).reason).toBe("insecure_url");
  });
});

describe("address check after resolution", () => {
  it("refuses a loopback IP literal with a clear message unless listed", async () => {
    const error = await failure(safeFetch(`https://127.0.0.1:${origin.port}/json`, {}, policy()));
    expect(error.reason).toBe("blocked_address");
    expect(error.host).toBe("127.0.0.1");
    expect(error.message).toBe(
      "127.0.0.1 is a loopback address; list the host in INSECURE_OAUTH_HOSTS only for testing",
    );
    expect(origin.connections).toBe(0);
  });

  it("refuses IPv6 loopback and the IPv4-mapped form of loopback", async () => {
    const v6 = await failure(safeFetch(`https://[::1]:${origin.port}/`, {}, policy()));
    expect(v6.reason).toBe("blocked_address");
    expect(v6.message).toContain("::1 is a loopback address");
    const mapped = await failure(safeFetch(`https://[::ffff:127.0.0.1]:${origin.port}/`, {}, policy()));
    expect(mapped.reason).toBe("blocked_address");
    expect(mapped.message).toContain("IPv4-mapped IPv6 form of 127.0.0.1, a loopback address");
    expect(origin.connections).toBe(0);
  });

  it("refuses a host name that resolves to loopback (localhost) unless listed", async () => {
    const error = await failure(safeFetch(`https://localhost:${origin.port}/json`, {}, policy()));
    expect(error.reason).toBe("blocked_address");
    expect(error.message).toMatch(
      /^localhost resolves to (127\.0\.0\.1|::1), a loopback address; list the host in INSECURE_OAUTH_HOSTS only for testing$/,
    );
    expect(origin.connections).toBe(0);

    const response = await safeFetch(`http://localhost:${origin.port}/json`, {}, policy({ insecureHosts: ["LOCALHOST"] }));
    expect(response.status).toBe(200);
    expect(origin.seen[0]?.host).toBe(`localhost:${origin.port}`);
  });

  it("refuses a name with one private answer among public ones, before connecting", async () => {
    const dns = fakeDns({ "provider.test": ["93.184.216.34", "10.0.0.5"], "meta.test": ["169.254.169.254"] });
    const error = await failure(safeFetch("https://provider.test/token", {}, policy({ lookup: dns.lookup })));
    expect(error.reason).toBe("blocked_address");
    expect(error.message).toBe(
      "provider.test resolves to 10.0.0.5, a private address; list the host in INSECURE_OAUTH_HOSTS only for testing",
    );
    const metadata = await failure(safeFetch("https://meta.test/", {}, policy({ lookup: dns.lookup })));
    expect(metadata.message).toContain("169.254.169.254, a link-local address (the cloud metadata address)");
  });

  it("resolves once and connects to the checked address, with the host name in Host", async () => {
    const dns = fakeDns({ "pinned.test": ["127.0.0.1"] });
    const response = await safeFetch(
      `http://pinned.test:${origin.port}/json`,
      {},
      policy({ insecureHosts: ["pinned.test"], lookup: dns.lookup }),
    );
    expect(response.status).toBe(200);
    expect(dns.questions).toEqual(["pinned.test"]);
    expect(origin.seen.map((s) => s.host)).toEqual([`pinned.test:${origin.port}`]);
  });

  it("reports a name that does not resolve", async () => {
    const dns = fakeDns({});
    const error = await failure(safeFetch("https://missing.test/", {}, policy({ lookup: dns.lookup })));
    expect(error.reason).toBe("dns");
    expect(error.message).toBe("missing.test could not be resolved (ENOTFOUND)");
  });

  it("reports a refused connection", async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const error = await failure(
      safeFetch(`http://127.0.0.1:${closed.port}/`, {}, policy({ insecureHosts: ["127.0.0.1"] })),
    );
    expect(error.reason).toBe("connect");
    expect(error.code).toBe("ECONNREFUSED");
    expect(error.message).toContain(`could not connect to 127.0.0.1 (127.0.0.1:${closed.port})`);
  });
});

describe("responses", () => {
  const listed = () => policy({ insecureHosts: ["127.0.0.1"] });

  it("returns a global Response with status, headers and body", async () => {
    const response = await safeFetch(`http://127.0.0.1:${origin.port}/json`, {}, listed());
    expect(response).toBeInstanceOf(Response);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(response.statusText).toBe("OK");
  });

  it("sends a form body given as URLSearchParams or string", async () => {
    const form = await safeFetch(
      `http://127.0.0.1:${origin.port}/echo`,
      { method: "POST", body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "r1" }) },
      listed(),
    );
    expect(await form.text()).toBe(
      "POST application/x-www-form-urlencoded;charset=UTF-8 grant_type=refresh_token&refresh_token=r1",
    );
    const text = await safeFetch(
      `http://127.0.0.1:${origin.port}/echo`,
      { method: "POST", body: "a=b", headers: { "content-type": "application/x-www-form-urlencoded" } },
      listed(),
    );
    expect(await text.text()).toBe("POST application/x-www-form-urlencoded a=b");
  });

  it("returns a 204 without a body", async () => {
    const response = await safeFetch(`http://127.0.0.1:${origin.port}/no-content`, {}, listed());
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it("does not follow redirects", async () => {
    const response = await safeFetch(`http://127.0.0.1:${origin.port}/redirect`, {}, listed());
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`http://127.0.0.1:${other.port}/landing`);
    expect(other.seen).toEqual([]);
    expect(other.connections).toBe(0);
  });
});

describe("limits", () => {
  const listed = () => policy({ insecureHosts: ["127.0.0.1"] });

  it("times out when the server does not answer", async () => {
    const started = Date.now();
    const error = await failure(
      safeFetch(`http://127.0.0.1:${origin.port}/hang?secret=s3cr3t`, { timeoutMs: 300 }, listed()),
    );
    expect(error.reason).toBe("timeout");
    expect(error.message).toBe("127.0.0.1 did not answer within 300 ms");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("times out when the body stalls", async () => {
    const error = await failure(safeFetch(`http://127.0.0.1:${origin.port}/stall-body`, { timeoutMs: 300 }, listed()));
    expect(error.reason).toBe("timeout");
  });

  it("reports the caller's timeout signal as a timeout and passes other aborts through", async () => {
    const timedOut = await failure(
      safeFetch(`http://127.0.0.1:${origin.port}/hang`, { signal: AbortSignal.timeout(200) }, listed()),
    );
    expect(timedOut.reason).toBe("timeout");

    const controller = new AbortController();
    const call = safeFetch(`http://127.0.0.1:${origin.port}/hang`, { signal: controller.signal }, listed());
    setTimeout(() => controller.abort(new Error("caller gave up")), 100);
    await expect(call).rejects.toThrow("caller gave up");
  });

  it("refuses a body above maxBytes, declared or streamed, and accepts one at the limit", async () => {
    const declared = await failure(
      safeFetch(`http://127.0.0.1:${origin.port}/sized?size=2048`, { maxBytes: 1024 }, listed()),
    );
    expect(declared.reason).toBe("too_large");
    expect(declared.message).toBe("the response from 127.0.0.1 is larger than 1024 bytes; refused");

    const streamed = await failure(safeFetch(`http://127.0.0.1:${origin.port}/chunked`, { maxBytes: 1024 }, listed()));
    expect(streamed.reason).toBe("too_large");

    const exact = await safeFetch(`http://127.0.0.1:${origin.port}/sized?size=1024`, { maxBytes: 1024 }, listed());
    expect((await exact.arrayBuffer()).byteLength).toBe(1024);
  });

  it("counts decoded bytes of a compressed body (no decompression bomb)", async () => {
    const small = await safeFetch(`http://127.0.0.1:${origin.port}/gzip?size=5000`, {}, listed());
    expect(await small.text()).toBe("c".repeat(5000));
    expect(small.headers.get("content-encoding")).toBeNull();

    const bomb = await failure(
      safeFetch(`http://127.0.0.1:${origin.port}/gzip?size=200000`, { maxBytes: 100_000 }, listed()),
    );
    expect(bomb.reason).toBe("too_large");
  });

  it("keeps headers, bodies and query strings out of error messages", async () => {
    const error = await failure(
      safeFetch(
        "https://127.0.0.1/token?client_secret=s3cr3t",
        { method: "POST", headers: { authorization: "Bearer s3cr3t" }, body: "refresh_token=s3cr3t" },
        policy(),
      ),
    );
    expect(error.message).not.toContain("s3cr3t");
    expect(JSON.stringify(error)).not.toContain("s3cr3t");
    await expect(
      safeFetch(`http://127.0.0.1:${origin.port}/json`, { headers: { authorization: "Bearer s3\ncr3t" } }, listed()),
    ).rejects.toThrow(/^safeFetch: a request header for 127\.0\.0\.1 has an invalid name or value$/);
  });
});

describe("HTTPS_PROXY", () => {
  const proxyUrl = () => `http://127.0.0.1:${proxy.port}`;

  it("tunnels with CONNECT to the checked address, not the host name", async () => {
    const response = await safeFetch(
      `http://localhost:${origin.port}/json`,
      {},
      policy({ insecureHosts: ["localhost"], httpsProxy: proxyUrl() }),
    );
    expect(response.status).toBe(200);
    expect(proxy.connects.map((c) => c.target)).toEqual([`127.0.0.1:${origin.port}`]);
    expect(origin.seen.map((s) => s.host)).toEqual([`localhost:${origin.port}`]);
  });

  it("CONNECTs to the address the resolver gave once, keeping the name for Host", async () => {
    const dns = fakeDns({ "provider.test": ["127.0.0.1"] });
    const response = await safeFetch(
      `http://provider.test:${origin.port}/json`,
      {},
      policy({ insecureHosts: ["provider.test"], httpsProxy: proxyUrl(), lookup: dns.lookup }),
    );
    expect(await response.json()).toMatchObject({ host: `provider.test:${origin.port}` });
    expect(proxy.connects.map((c) => c.target)).toEqual([`127.0.0.1:${origin.port}`]);
    expect(dns.questions).toEqual(["provider.test"]); // the proxy is an IP literal: no question for it
  });

  it("refuses a target that resolves to a blocked address before any CONNECT", async () => {
    const error = await failure(safeFetch(`https://localhost:${origin.port}/json`, {}, policy({ httpsProxy: proxyUrl() })));
    expect(error.reason).toBe("blocked_address");
    const dns = fakeDns({ "provider.test": ["10.0.0.5"] });
    const privateTarget = await failure(
      safeFetch("https://provider.test/token", {}, policy({ httpsProxy: proxyUrl(), lookup: dns.lookup })),
    );
    expect(privateTarget.message).toContain("provider.test resolves to 10.0.0.5, a private address");
    expect(proxy.connects).toEqual([]);
    expect(proxy.connections).toBe(0);
  });

  it("exempts only the proxy itself: the proxy's address as a target is still refused", async () => {
    const error = await failure(
      safeFetch(`https://127.0.0.1:${proxy.port}/`, {}, policy({ httpsProxy: proxyUrl() })),
    );
    expect(error.reason).toBe("blocked_address");
    expect(proxy.connections).toBe(0);
  });

  it("goes direct for hosts matched by NO_PROXY", async () => {
    const response = await safeFetch(
      `http://localhost:${origin.port}/json`,
      {},
      policy({ insecureHosts: ["localhost"], httpsProxy: proxyUrl(), noProxy: [".localhost"] }),
    );
    expect(response.status).toBe(200);
    expect(proxy.connections).toBe(0);
    expect(origin.seen).toHaveLength(1);
  });

  it("sends proxy credentials and reports a refused tunnel without them", async () => {
    proxy.mode = "407";
    const error = await failure(
      safeFetch(
        `http://localhost:${origin.port}/json`,
        {},
        policy({ insecureHosts: ["localhost"], httpsProxy: `http://proxyuser:pr0xy-pw@127.0.0.1:${proxy.port}` }),
      ),
    );
    expect(error.reason).toBe("connect");
    expect(error.message).toBe(
      `the proxy 127.0.0.1:${proxy.port} refused the tunnel to localhost (127.0.0.1:${origin.port}): HTTP 407`,
    );
    expect(error.message).not.toContain("pr0xy-pw");
    expect(proxy.connects[0]?.authorization).toBe(`Basic ${Buffer.from("proxyuser:pr0xy-pw").toString("base64")}`);
    expect(origin.connections).toBe(0);
  });

  it("reports an unreachable proxy", async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const error = await failure(
      safeFetch(
        `http://localhost:${origin.port}/json`,
        {},
        policy({ insecureHosts: ["localhost"], httpsProxy: `http://127.0.0.1:${closed.port}` }),
      ),
    );
    expect(error.reason).toBe("connect");
    expect(error.message).toContain(`could not reach the proxy 127.0.0.1:${closed.port} for localhost`);
  });
});

describe("openid-client adapter", () => {
  let idp: TestServer;
  beforeAll(async () => {
    idp = await startServer((req, res) => {
      const issuer = `http://127.0.0.1:${idp.port}`;
      if (req.url === "/.well-known/openid-configuration") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token`, authorization_endpoint: `${issuer}/auth` }));
      } else if (req.url === "/token") {
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify({ access_token: "at-1", token_type: "Bearer", expires_in: 3600 }));
      } else if (req.url?.startsWith("/moved")) {
        res.writeHead(301, { location: `${issuer}/` }).end();
      } else {
        res.writeHead(404).end();
      }
    });
    return () => idp.close();
  });

  beforeEach(() => {
    idp.seen.length = 0;
    idp.connections = 0;
  });

  it("runs discovery and a token request through safeFetch", async () => {
    const customFetch = createOpenidClientFetch(policy({ insecureHosts: ["127.0.0.1"] }));
    const config = await client.discovery(new URL(`http://127.0.0.1:${idp.port}`), "client-1", "secret-1", undefined, {
      [client.customFetch]: customFetch,
      execute: [client.allowInsecureRequests],
    });
    expect(config.serverMetadata().token_endpoint).toBe(`http://127.0.0.1:${idp.port}/token`);
    const tokens = await client.clientCredentialsGrant(config, { scope: "api" });
    expect(tokens.access_token).toBe("at-1");
    const tokenRequest = idp.seen.find((s) => s.url === "/token");
    expect(tokenRequest?.method).toBe("POST");
    expect(new URLSearchParams(tokenRequest?.body).get("grant_type")).toBe("client_credentials");
  });

  it("surfaces the refusal as the cause of openid-client's error", async () => {
    const customFetch = createOpenidClientFetch(policy());
    const error = await client
      .discovery(new URL(`http://127.0.0.1:${idp.port}`), "client-1", "secret-1", undefined, {
        [client.customFetch]: customFetch,
        execute: [client.allowInsecureRequests],
      })
      .catch((caught: unknown) => caught);
    // openid-client wraps what customFetch throws: ClientError("something went wrong", { cause }).
    expect(error).not.toBeInstanceOf(ProviderNetworkError);
    expect(error).toBeInstanceOf(client.ClientError);
    expect(findProviderNetworkError(error)?.reason).toBe("insecure_url");
    expect(idp.connections).toBe(0);
  });

  it("does not follow a redirected discovery document", async () => {
    const customFetch = createOpenidClientFetch(policy({ insecureHosts: ["127.0.0.1"] }));
    const error = await client
      .discovery(new URL(`http://127.0.0.1:${idp.port}/moved/.well-known/openid-configuration`), "c", "s", undefined, {
        [client.customFetch]: customFetch,
        execute: [client.allowInsecureRequests],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(findProviderNetworkError(error)).toBeUndefined();
    expect((error as Error).message).toMatch(/unexpected HTTP response status code/);
    expect(idp.seen.map((s) => s.url)).toEqual(["/moved/.well-known/openid-configuration"]);
  });
});

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)("TLS (self-signed certificate made with openssl at test time)", () => {
  let dir: string;
  let cert: string;
  let tlsServer: TestServer;

  beforeAll(async () => {
    mkdirSync(".data", { recursive: true });
    dir = mkdtempSync(path.join(".data", "safe-fetch-tls-"));
    execFileSync(
      "openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "2",
        "-subj", "/CN=provider.test",
        "-addext", "subjectAltName=DNS:provider.test,DNS:localhost,IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(path.join(dir, "cert.pem"), "utf8");
    const key = readFileSync(path.join(dir, "key.pem"), "utf8");
    tlsServer = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ host: req.headers.host }));
    }, { key, cert });
    return async () => {
      await tlsServer.close();
      rmSync(dir, { recursive: true, force: true });
    };
  });

  beforeEach(() => {
    tlsServer.seen.length = 0;
  });

  it("connects to the pinned address with SNI and certificate check on the host name", async () => {
    const dns = fakeDns({ "provider.test": ["127.0.0.1"] });
    const response = await safeFetch(
      `https://provider.test:${tlsServer.port}/x`,
      {},
      policy({ insecureHosts: ["provider.test"], lookup: dns.lookup, ca: cert }),
    );
    expect(await response.json()).toEqual({ host: `provider.test:${tlsServer.port}` });
    expect(tlsServer.seen[0]?.servername).toBe("provider.test");
    expect(dns.questions).toEqual(["provider.test"]);
  });

  it("checks an IP literal against the certificate's IP entries, without SNI", async () => {
    const response = await safeFetch(
      `https://127.0.0.1:${tlsServer.port}/x`,
      {},
      policy({ insecureHosts: ["127.0.0.1"], ca: cert }),
    );
    expect(response.status).toBe(200);
    expect(tlsServer.seen[0]?.servername).toBeFalsy();
  });

  it("refuses a certificate that does not name the host, and an untrusted one", async () => {
    const dns = fakeDns({ "wrong.test": ["127.0.0.1"] });
    const wrongName = await failure(
      safeFetch(`https://wrong.test:${tlsServer.port}/x`, {}, policy({ insecureHosts: ["wrong.test"], lookup: dns.lookup, ca: cert })),
    );
    expect(wrongName.reason).toBe("tls");
    expect(wrongName.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(wrongName.message).toContain("TLS with wrong.test failed: the certificate is not valid for this host name");

    const untrusted = await failure(
      safeFetch(`https://localhost:${tlsServer.port}/x`, {}, policy({ insecureHosts: ["localhost"] })),
    );
    expect(untrusted.reason).toBe("tls");
    expect(tlsServer.seen).toEqual([]);
  });

  it("tunnels https through the proxy: CONNECT to the address, TLS to the name", async () => {
    const dns = fakeDns({ "provider.test": ["127.0.0.1"] });
    const response = await safeFetch(
      `https://provider.test:${tlsServer.port}/x`,
      {},
      policy({
        insecureHosts: ["provider.test"],
        lookup: dns.lookup,
        ca: cert,
        httpsProxy: `http://127.0.0.1:${proxy.port}`,
      }),
    );
    expect(await response.json()).toEqual({ host: `provider.test:${tlsServer.port}` });
    expect(proxy.connects.map((c) => c.target)).toEqual([`127.0.0.1:${tlsServer.port}`]);
    expect(tlsServer.seen[0]?.servername).toBe("provider.test");
  });
});
