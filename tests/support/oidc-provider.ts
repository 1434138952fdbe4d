import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Adapter, AdapterPayload, ClientMetadata, Configuration, KoaContextWithOIDC } from "oidc-provider";
import type Provider from "oidc-provider";
import { registerCleanup } from "./cleanup";

/**
 * A real OpenID Connect provider (oidc-provider 9) for integration and e2e
 * tests, in-process on 127.0.0.1 with a fixed RSA key (tests/support/oidc-test-key.json).
 *
 * - Any login signs in; the account id is the login. Claims: sub = login,
 *   email = login when it contains "@", else `<login>@example.test`,
 *   email_verified, name.
 * - Authorization code flow with PKCE S256 required; `iss` is in the
 *   authorization response; opaque access tokens; introspection (answers carry
 *   `email`), revocation, client credentials, refresh tokens for `offline_access`.
 * - Own login/consent pages under /interaction/<uid> (HTML forms, usable by
 *   Chromium too) instead of devInteractions, which prints a warning.
 */

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post";
  /** Mailbox this client may open with client-credentials tokens, put in the introspection answer as `email`. */
  appOnlyMailbox?: string;
}

export type TokenGrantType = "refresh_token" | "authorization_code" | "client_credentials";
/**
 * `"503"`, `"500"`: that status with an OAuth error body; `"html"`: 500 with an
 * HTML error page (a proxy's); `"reset"`: the connection is reset mid-request;
 * `"refuse"`: the port refuses connections.
 */
export type DownMode = false | "503" | "500" | "html" | "reset" | "refuse";

export interface TestProviderOptions {
  /** Listen on this port (default: any free port). */
  port?: number;
  /**
   * oidc-provider drops `offline_access` (so issues no refresh token) unless the
   * authorization request has `prompt=consent`. By default this harness adds
   * `prompt=consent` to authorization requests that ask for `offline_access`
   * and carry no `prompt` at all, so `offline_access` alone yields a refresh
   * token, as at Microsoft. `true` keeps oidc-provider's strict rule.
   */
  requirePromptConsentForOfflineAccess?: boolean;
  /** Extra scope values the provider accepts (besides openid, offline_access, email, profile, mail). */
  scopes?: string[];
  /**
   * Like one tenant of Microsoft's multi-tenant authority: the issuer gets this
   * path (e.g. "/tenant-a/v2.0") while every endpoint stays at the origin's
   * root, and ID tokens carry `tid` (`tenantClaim`, default: the path's first segment).
   */
  tenant?: { issuerPath: string; tenantClaim?: string };
}

export interface TestProvider {
  /** `http://127.0.0.1:<port>` (plus `tenant.issuerPath`), no trailing slash: exactly the discovery document's issuer. */
  issuer: string;
  /** `http://127.0.0.1:<port>`: every endpoint is under it (`/auth`, `/token`, …). */
  origin: string;
  discoveryUrl: string;
  /** A confidential client that may introspect any token, as a resource server (Dovecot, an SMTP server) would. */
  resourceServer: { clientId: string; clientSecret: string; introspectionEndpoint: string };
  /**
   * Registers (or replaces) a client. It is usable as soon as this returns;
   * the promise rejects (and the client is removed) when oidc-provider finds
   * its metadata invalid.
   */
  addClient(client: TestClient): Promise<void>;
  /** Token endpoint requests by grant_type since start or the last reset (all of them without an argument), 503 answers included. */
  tokenRequests(grantType?: TokenGrantType): number;
  resetCounters(): void;
  /** On (the default): every refresh returns a new refresh token and consumes the old one; reusing a consumed one revokes the whole grant. */
  setRotateRefreshTokens(on: boolean): void;
  /** Lifetime of access tokens (user and client-credentials) issued from now on; default 3600. */
  setAccessTokenTtl(seconds: number): void;
  /** Overrides claims of an account (its login) from now on: another email, an unverified one. */
  setAccountClaims(login: string, claims: { email?: string; email_verified?: boolean }): void;
  /**
   * `"503"`/`"500"`: the token endpoint answers that status with an OAuth error;
   * `"html"`: 500 with an HTML page; `"reset"`: it resets the connection;
   * `"refuse"`: the listener is closed and the port refuses connections (every endpoint);
   * `false`: back to normal (the listener reopens on the same port).
   */
  setDown(mode: DownMode): Promise<void>;
  /** Delay before the token endpoint handles a request (also before a 503 answer). */
  setTokenDelay(ms: number): void;
  /** Revokes every grant of the account and its tokens, so the next refresh fails with invalid_grant. */
  revokeGrantsOf(accountId: string): Promise<void>;
  /** Introspects a token as the resource server. */
  introspect(token: string): Promise<{ active: boolean; [key: string]: unknown }>;
  /**
   * Plays the user without a browser: follows the authorization URL through
   * login and consent with its own cookie jar and returns the final redirect
   * to the client's redirect_uri (with code, state and iss, or error) without
   * requesting it. `deny: true` declines at the consent page (access_denied).
   */
  authorizeHeadless(authorizationUrl: string, account: { login: string; deny?: boolean }): Promise<string>;
  /** Stops listening (also done after the test file by the setup's cleanups). */
  close(): Promise<void>;
}

/** The email claim of a test account. */
export function testAccountEmail(login: string): string {
  return login.includes("@") ? login : `${login}@example.test`;
}

const RESOURCE_SERVER_ID = "resource-server";
const RESOURCE_SERVER_SECRET = "resource-server-secret";
const BASE_SCOPES = ["openid", "offline_access", "email", "profile", "mail"];
const DAY = 24 * 60 * 60;

let providerModule: Promise<typeof import("oidc-provider")> | undefined;

/**
 * oidc-provider 9 prints "Unsupported runtime. Use Node.js v22.x LTS" with
 * console.warn when its module is first evaluated on Node 20 (it runs fine
 * here). That one line is dropped; any other warning passes through.
 */
function loadOidcProvider(): Promise<typeof import("oidc-provider")> {
  providerModule ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === "string" && args[0].includes("oidc-provider WARNING: Unsupported runtime")) return;
      warn.apply(console, args);
    };
    try {
      return await import("oidc-provider");
    } finally {
      console.warn = warn;
    }
  })();
  return providerModule;
}

function loadSigningKey(): Record<string, string> {
  return JSON.parse(readFileSync(new URL("./oidc-test-key.json", import.meta.url), "utf8")) as Record<string, string>;
}

/** Per-provider in-memory storage (oidc-provider's own memory adapter prints a warning). */
class MemoryStore {
  private readonly entries = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  private readonly grantMembers = new Map<string, Set<string>>();
  private readonly index = new Map<string, string>();

  get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(model: string, id: string, payload: AdapterPayload, expiresIn?: number): void {
    const key = `${model}:${id}`;
    this.delete(key);
    // Kept a minute past expiry: the models check `exp` themselves and say "expired" rather than "not found".
    const expiresAt = typeof expiresIn === "number" ? Date.now() + (expiresIn + 60) * 1000 : Infinity;
    this.entries.set(key, { payload, expiresAt });
    if (payload.grantId && model !== "Grant") {
      const members = this.grantMembers.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      this.grantMembers.set(payload.grantId, members);
    }
    if (model === "Session" && payload.uid) this.index.set(`sessionUid:${payload.uid}`, key);
    if (payload.userCode) this.index.set(`userCode:${payload.userCode}`, key);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    const grantId = entry?.payload.grantId;
    if (grantId) this.grantMembers.get(grantId)?.delete(key);
  }

  byIndex(name: string): AdapterPayload | undefined {
    const key = this.index.get(name);
    return key === undefined ? undefined : this.get(key);
  }

  revokeGrant(grantId: string): void {
    for (const key of this.grantMembers.get(grantId) ?? []) this.entries.delete(key);
    this.grantMembers.delete(grantId);
    this.entries.delete(`Grant:${grantId}`);
  }

  grantIdsOf(accountId: string): string[] {
    const ids: string[] = [];
    for (const [key, { payload }] of this.entries) {
      if (key.startsWith("Grant:") && payload.accountId === accountId) ids.push(key.slice("Grant:".length));
    }
    return ids;
  }

  adapterFor(model: string): Adapter {
    return {
      upsert: async (id, payload, expiresIn) => this.set(model, id, payload, expiresIn),
      find: async (id) => this.get(`${model}:${id}`),
      findByUid: async (uid) => this.byIndex(`sessionUid:${uid}`),
      findByUserCode: async (userCode) => this.byIndex(`userCode:${userCode}`),
      consume: async (id) => {
        const payload = this.get(`${model}:${id}`);
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => this.delete(`${model}:${id}`),
      revokeByGrantId: async (grantId) => {
        for (const key of [...(this.grantMembers.get(grantId) ?? [])]) {
          if (key.startsWith(`${model}:`)) this.delete(key);
        }
      },
    };
  }
}

/** A client with redirect URIs may use the code flow, refresh and client credentials; one without, only client credentials. */
function clientMetadata(client: TestClient): ClientMetadata {
  const interactive = client.redirectUris.length > 0;
  return {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: client.redirectUris,
    grant_types: interactive ? ["authorization_code", "refresh_token", "client_credentials"] : ["client_credentials"],
    response_types: interactive ? ["code"] : [],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? "client_secret_basic",
  };
}

export async function startTestProvider(options: TestProviderOptions = {}): Promise<TestProvider> {
  const { default: ProviderClass } = await loadOidcProvider();

  const state = {
    rotateRefreshTokens: true,
    accessTokenTtl: 3600,
    tokenDelayMs: 0,
    down: false as DownMode,
  };
  const counters = new Map<string, number>();
  const clients = new Map<string, TestClient>();
  const claimOverrides = new Map<string, { email?: string; email_verified?: boolean }>();
  const store = new MemoryStore();

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await listen(server, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const issuer = `${origin}${options.tenant?.issuerPath ?? ""}`;
  const tenantClaim = options.tenant ? (options.tenant.tenantClaim ?? options.tenant.issuerPath.split("/")[1]) : undefined;

  const configuration: Configuration = {
    adapter: (model: string) => store.adapterFor(model),
    clients: [
      {
        client_id: RESOURCE_SERVER_ID,
        client_secret: RESOURCE_SERVER_SECRET,
        redirect_uris: [],
        response_types: [],
        grant_types: [],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [loadSigningKey()] },
    cookies: { keys: ["oidc-test-cookie-key-1", "oidc-test-cookie-key-0"] },
    scopes: [...BASE_SCOPES, ...(options.scopes ?? [])],
    claims: {
      openid: tenantClaim ? ["sub", "tid"] : ["sub"],
      email: ["email", "email_verified"],
      profile: ["name"],
    },
    // Put the scope's claims in the ID token even when an access token is issued too (as Google and Entra do).
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => {
        const email = testAccountEmail(sub);
        return { sub, email, email_verified: true, name: `Test ${email.slice(0, email.indexOf("@"))}`, tid: tenantClaim, ...claimOverrides.get(sub) };
      },
    }),
    extraTokenClaims: (_ctx, token) => {
      if (token.kind === "ClientCredentials") {
        const mailbox = token.clientId ? clients.get(token.clientId)?.appOnlyMailbox : undefined;
        return mailbox ? { email: mailbox } : undefined;
      }
      return "accountId" in token && token.accountId ? { email: testAccountEmail(token.accountId) } : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, caller, token) => caller.clientId === RESOURCE_SERVER_ID || caller.clientId === token.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, caller, token) => caller.clientId === token.clientId,
      },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: false },
    },
    pkce: { required: () => true },
    rotateRefreshToken: () => state.rotateRefreshTokens,
    ttl: {
      AccessToken: () => state.accessTokenTtl,
      ClientCredentials: () => state.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 14 * DAY,
      Grant: 14 * DAY,
      Session: 14 * DAY,
      Interaction: 3600,
    },
    renderError: (ctx, out) => {
      ctx.type = "html";
      ctx.body = page(
        "Error",
        Object.entries(out)
          .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`)
          .join(""),
      );
    },
  };

  const provider = new ProviderClass(issuer, configuration);

  // Token endpoint: delay, outage (503) and counting.
  provider.use(async (ctx, next) => {
    if (ctx.method !== "POST" || ctx.path !== "/token") return next();
    if (state.tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.tokenDelayMs));
    if (state.down === "503" || state.down === "500" || state.down === "html" || state.down === "reset") {
      const body = new URLSearchParams((await readBody(ctx.req)).toString("utf8"));
      count(body.get("grant_type"));
      if (state.down === "reset") {
        ctx.req.socket.destroy();
        ctx.respond = false;
        return;
      }
      ctx.set("Cache-Control", "no-store");
      if (state.down === "html") {
        ctx.status = 500;
        ctx.type = "text/html";
        ctx.body = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>";
        return;
      }
      ctx.status = state.down === "503" ? 503 : 500;
      ctx.set("Retry-After", "1");
      ctx.body = { error: state.down === "503" ? "temporarily_unavailable" : "server_error", error_description: "the token endpoint is down for a test" };
      return;
    }
    try {
      await next();
    } finally {
      const oidc = (ctx as unknown as { oidc?: KoaContextWithOIDC["oidc"] }).oidc;
      count(oidc?.params?.grant_type);
    }
  });

  function count(grantType: unknown) {
    const key = typeof grantType === "string" ? grantType : "(none)";
    counters.set(key, (counters.get(key) ?? 0) + 1);
  }

  const callback = provider.callback();
  const strictOfflineAccess = options.requirePromptConsentForOfflineAccess === true;
  handler = (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    if (url.pathname.startsWith("/interaction/")) {
      handleInteraction(provider, req, res, url).catch((error: unknown) => sendError(res, error));
      return;
    }
    if (!strictOfflineAccess && req.method === "GET" && url.pathname === "/auth") {
      const scopes = url.searchParams.get("scope")?.split(" ") ?? [];
      if (scopes.includes("offline_access") && !url.searchParams.has("prompt")) {
        url.searchParams.set("prompt", "consent");
        req.url = url.pathname + url.search;
      }
    }
    void callback(req, res);
  };

  const close = async () => {
    if (server.listening) await closeServer(server);
  };
  // Stopped after the test file like the other helpers' servers; close() may be called earlier.
  registerCleanup(close);

  const resourceServer = {
    clientId: RESOURCE_SERVER_ID,
    clientSecret: RESOURCE_SERVER_SECRET,
    introspectionEndpoint: `${origin}/token/introspection`,
  };

  return {
    issuer,
    origin,
    discoveryUrl: `${origin}/.well-known/openid-configuration`,
    resourceServer,

    async addClient(client) {
      clients.set(client.clientId, client);
      const metadata = clientMetadata(client);
      store.set("Client", client.clientId, metadata);
      try {
        await provider.Client.validate(metadata);
      } catch (error) {
        clients.delete(client.clientId);
        store.delete(`Client:${client.clientId}`);
        const description = (error as { error_description?: string }).error_description;
        throw new Error(`client ${client.clientId} refused: ${(error as Error).message}${description ? ` (${description})` : ""}`, { cause: error });
      }
    },

    tokenRequests(grantType) {
      if (grantType) return counters.get(grantType) ?? 0;
      let total = 0;
      for (const value of counters.values()) total += value;
      return total;
    },

    resetCounters() {
      counters.clear();
    },

    setRotateRefreshTokens(on) {
      state.rotateRefreshTokens = on;
    },

    setAccountClaims(login, claims) {
      claimOverrides.set(login, claims);
    },

    setAccessTokenTtl(seconds) {
      if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new Error("access token TTL must be a positive integer");
      state.accessTokenTtl = seconds;
    },

    async setDown(mode) {
      if (mode === "refuse") {
        if (server.listening) {
          await closeServer(server);
          // Let clients in this process see their keep-alive sockets close, so
          // the next request meets a refused connect rather than a dead socket.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } else if (!server.listening) {
        await listen(server, port);
      }
      state.down = mode;
    },

    setTokenDelay(ms) {
      state.tokenDelayMs = ms;
    },

    async revokeGrantsOf(accountId) {
      for (const grantId of store.grantIdsOf(accountId)) store.revokeGrant(grantId);
    },

    async introspect(token) {
      const response = await fetch(resourceServer.introspectionEndpoint, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${RESOURCE_SERVER_ID}:${RESOURCE_SERVER_SECRET}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: new URLSearchParams({ token }),
      });
      if (!response.ok) throw new Error(`introspection answered HTTP ${response.status}: ${await response.text()}`);
      return (await response.json()) as { active: boolean; [key: string]: unknown };
    },

    authorizeHeadless(authorizationUrl, account) {
      return authorizeHeadless(origin, authorizationUrl, account);
    },

    close,
  };
}

// --- login and consent pages -------------------------------------------------

async function handleInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const [, , uid, action] = url.pathname.split("/");
  if (!uid) throw Object.assign(new Error("no interaction id"), { statusCode: 404 });
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw Object.assign(new Error("interaction mismatch"), { statusCode: 400 });
  res.setHeader("Cache-Control", "no-store");

  if (req.method === "GET" && action === undefined) {
    const base = `/interaction/${encodeURIComponent(uid)}`;
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    if (details.prompt.name === "login") {
      res.end(
        page(
          "Sign-in",
          `<form method="post" action="${base}/login" data-prompt="login">
  <label>Login <input name="login" autocomplete="username" autofocus required></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"></label>
  <button type="submit">Sign-in</button>
</form>`,
        ),
      );
    } else {
      const clientId = String(details.params.client_id ?? "");
      const scope = String(details.params.scope ?? "");
      res.end(
        page(
          "Authorize",
          `<p>Client <strong data-client-id>${escapeHtml(clientId)}</strong> asks for <span data-scope>${escapeHtml(scope)}</span>.</p>
<form method="post" action="${base}/confirm" data-prompt="consent"><button type="submit">Continue</button></form>
<form method="post" action="${base}/abort" data-prompt="abort"><button type="submit">Cancel</button></form>`,
        ),
      );
    }
    return;
  }

  if (req.method !== "POST") throw Object.assign(new Error("method not allowed"), { statusCode: 405 });
  const body = new URLSearchParams((await readBody(req)).toString("utf8"));

  if (action === "login") {
    const login = body.get("login")?.trim();
    if (details.prompt.name !== "login" || !login) throw Object.assign(new Error("not a login step, or no login"), { statusCode: 400 });
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }

  if (action === "confirm") {
    if (details.prompt.name !== "consent") throw Object.assign(new Error("not a consent step"), { statusCode: 400 });
    const promptDetails = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params.client_id) });
    if (!grant) throw Object.assign(new Error("grant not found"), { statusCode: 400 });
    if (promptDetails.missingOIDCScope) grant.addOIDCScope(promptDetails.missingOIDCScope.join(" "));
    if (promptDetails.missingOIDCClaims) grant.addOIDCClaims(promptDetails.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }

  if (action === "abort") {
    await provider.interactionFinished(
      req,
      res,
      { error: "access_denied", error_description: "End-User aborted interaction" },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  throw Object.assign(new Error("unknown interaction step"), { statusCode: 404 });
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = (error as { statusCode?: unknown; status?: unknown }).statusCode ?? (error as { status?: unknown }).status;
  res.statusCode = typeof status === "number" && status >= 400 && status < 600 ? status : 500;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

// --- the headless user ---------------------------------------------------------

/**
 * `TestProvider.authorizeHeadless` for a caller without the provider object: a
 * test that drives a provider running in another process (tests/e2e/demo.test.ts).
 * `origin` is the provider's; the first redirect away from it is returned.
 */
export async function authorizeHeadless(origin: string, authorizationUrl: string, account: { login: string; deny?: boolean }): Promise<string> {
  const cookies = new Map<string, string>();

  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set("cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(";", 1)[0] ?? "";
      const index = pair.indexOf("=");
      if (index < 1) continue;
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(cookie) || /max-age=0/i.test(cookie)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  }

  let response = await request(authorizationUrl);
  let current = authorizationUrl;
  for (let step = 0; step < 20; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get("location");
      if (!location) throw new Error(`redirect without Location from ${current}`);
      const next = new URL(location, current);
      await response.body?.cancel();
      if (next.origin !== origin) return next.href;
      current = next.href;
      response = await request(current);
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`authorization stopped at ${current}: HTTP ${response.status}: ${textOf(html)}`);
    const prompt = /data-prompt="(login|consent)"/.exec(html)?.[1];
    if (!prompt) throw new Error(`authorization stopped at ${current}: ${textOf(html)}`);
    const form = prompt === "login" ? "login" : account.deny ? "abort" : "consent";
    const action = new RegExp(`<form method="post" action="([^"]+)" data-prompt="${form}"`).exec(html)?.[1];
    if (!action) throw new Error(`no ${form} form at ${current}`);
    current = new URL(action, current).href;
    response = await request(current, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form === "login" ? { login: account.login, password: "any" } : {}),
    });
  }
  throw new Error(`authorization did not reach the redirect_uri after 20 steps (last: ${current})`);
}

function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 500);
}

// --- plumbing --------------------------------------------------------------------

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
