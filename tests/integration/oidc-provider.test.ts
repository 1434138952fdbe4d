import * as oidc from "openid-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startTestProvider, testAccountEmail, type TestClient, type TestProvider } from "#tests/support/oidc-provider";

// Proves the test OpenID provider with openid-client, the way the app talks to it.

let provider: TestProvider;
let config: oidc.Configuration;
const redirectUri = "http://127.0.0.1:9/api/oauth/callback/app-1";
const webClient: TestClient = { clientId: "web-app", clientSecret: "web-app-secret", redirectUris: [redirectUri] };
const daemon: TestClient = {
  clientId: "daemon",
  clientSecret: "daemon-secret",
  redirectUris: [],
  tokenEndpointAuthMethod: "client_secret_post",
  appOnlyMailbox: "shared@example.test",
};

// oidc-provider talks through console.warn (warnings) and console.info (notices about defaults): record both for the last test.
const warn = vi.spyOn(console, "warn");
const info = vi.spyOn(console, "info");
afterAll(() => {
  warn.mockRestore();
  info.mockRestore();
});

beforeAll(async () => {
  provider = await startTestProvider();
  await provider.addClient(webClient);
  await provider.addClient(daemon);
  config = await connect(webClient);
});

beforeEach(async () => {
  provider.resetCounters();
  provider.setRotateRefreshTokens(true);
  provider.setAccessTokenTtl(3600);
  provider.setTokenDelay(0);
  await provider.setDown(false);
});

function connect(client: TestClient, clientAuth?: oidc.ClientAuth): Promise<oidc.Configuration> {
  const auth =
    clientAuth ??
    (client.tokenEndpointAuthMethod === "client_secret_post"
      ? oidc.ClientSecretPost(client.clientSecret)
      : oidc.ClientSecretBasic(client.clientSecret));
  return oidc.discovery(new URL(provider.issuer), client.clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

/** The app's authorization: PKCE S256, state, nonce; then the callback. */
async function signIn(login: string, scope = "openid email profile offline_access mail", extra: Record<string, string> = {}) {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...extra,
  });
  const callback = new URL(await provider.authorizeHeadless(url.href, { login }));
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce });
  return { tokens, callback };
}

async function caught(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected a failure");
}

describe("test OpenID provider", () => {
  it("publishes its configuration with the exact issuer", async () => {
    expect(provider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const document = (await (await fetch(provider.discoveryUrl)).json()) as Record<string, unknown>;
    expect(document.issuer).toBe(provider.issuer);
    expect(document.code_challenge_methods_supported).toEqual(["S256"]);
    expect(document.authorization_response_iss_parameter_supported).toBe(true);
    const server = config.serverMetadata();
    expect(server.issuer).toBe(provider.issuer);
    expect(server.token_endpoint).toBe(`${provider.issuer}/token`);
    expect(server.introspection_endpoint).toBe(`${provider.issuer}/token/introspection`);
    expect(server.revocation_endpoint).toBe(`${provider.issuer}/token/revocation`);
    expect(server.scopes_supported).toEqual(expect.arrayContaining(["openid", "offline_access", "email", "profile", "mail"]));
  });

  it("runs the code flow with PKCE, state and nonce; the ID token names the account", async () => {
    const { tokens, callback } = await signIn("alice");
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get("iss")).toBe(provider.issuer);
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.expires_in).toBeGreaterThan(3500);
    expect(tokens.scope?.split(" ").sort()).toEqual(["email", "mail", "offline_access", "openid", "profile"]);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: provider.issuer, aud: webClient.clientId, sub: "alice", email: "alice@example.test", email_verified: true });
    expect(provider.tokenRequests("authorization_code")).toBe(1);

    const other = await signIn("bob@corp.example");
    expect(other.tokens.claims()).toMatchObject({ sub: "bob@corp.example", email: "bob@corp.example" });
  });

  it("refuses an authorization request without PKCE", async () => {
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: "openid", state: "s" });
    const callback = new URL(await provider.authorizeHeadless(url.href, { login: "alice" }));
    expect(callback.searchParams.get("error")).toBe("invalid_request");
    expect(callback.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("returns access_denied when the user declines", async () => {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: "openid",
      state: "s",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    });
    const callback = new URL(await provider.authorizeHeadless(url.href, { login: "alice", deny: true }));
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe("s");
  });

  it("introspects a user's access token with the account's email", async () => {
    const { tokens } = await signIn("carol");
    const answer = await provider.introspect(tokens.access_token);
    expect(answer).toMatchObject({ active: true, sub: "carol", email: "carol@example.test", client_id: webClient.clientId, token_type: "Bearer" });
    expect(String(answer.scope).split(" ")).toContain("mail");
    expect(await provider.introspect("not-a-token")).toEqual({ active: false });
  });

  it("rotates refresh tokens when on; a consumed one then fails with invalid_grant", async () => {
    const { tokens } = await signIn("dave");
    const first = tokens.refresh_token!;
    const refreshed = await oidc.refreshTokenGrant(config, first);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(first);
    expect(refreshed.claims()).toMatchObject({ sub: "dave", email: "dave@example.test" });

    const reuse = await caught(oidc.refreshTokenGrant(config, first));
    expect(reuse).toBeInstanceOf(oidc.ResponseBodyError);
    expect(reuse).toMatchObject({ code: "OAUTH_RESPONSE_BODY_ERROR", error: "invalid_grant", status: 400 });
    expect(reuse.cause).toEqual({ error: "invalid_grant", error_description: "grant request is invalid" });
    // Reuse detection revokes the whole grant: the newest refresh token dies too.
    expect(await caught(oidc.refreshTokenGrant(config, refreshed.refresh_token!))).toMatchObject({ error: "invalid_grant" });
    expect(provider.tokenRequests("refresh_token")).toBe(3);
  });

  it("keeps the refresh token when rotation is off", async () => {
    provider.setRotateRefreshTokens(false);
    const { tokens } = await signIn("erin");
    const first = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const second = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(first.refresh_token).toBe(tokens.refresh_token);
    expect(second.refresh_token).toBe(tokens.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
  });

  it("issues short-lived access tokens on demand", async () => {
    provider.setAccessTokenTtl(1);
    const { tokens } = await signIn("frank");
    expect(tokens.expires_in).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await provider.introspect(tokens.access_token)).active).toBe(false);
    // exp is counted in whole seconds: a 1 s token may be dead at once; the TTL applies to tokens issued from now on.
    provider.setAccessTokenTtl(60);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.expires_in).toBe(60);
    expect((await provider.introspect(refreshed.access_token)).active).toBe(true);
  });

  it("fails the refresh with invalid_grant once the account's grants are revoked", async () => {
    const { tokens } = await signIn("grace");
    const untouched = await signIn("heidi");
    await provider.revokeGrantsOf("grace");
    const failure = await caught(oidc.refreshTokenGrant(config, tokens.refresh_token!));
    expect(failure).toBeInstanceOf(oidc.ResponseBodyError);
    expect(failure).toMatchObject({ error: "invalid_grant", status: 400 });
    expect((await provider.introspect(tokens.access_token)).active).toBe(false);
    await oidc.refreshTokenGrant(config, untouched.tokens.refresh_token!);
  });

  it("revokes a refresh token through the revocation endpoint", async () => {
    const { tokens } = await signIn("ivan");
    expect((await provider.introspect(tokens.refresh_token!)).active).toBe(true);
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    expect(await provider.introspect(tokens.refresh_token!)).toEqual({ active: false });
    expect(await caught(oidc.refreshTokenGrant(config, tokens.refresh_token!))).toMatchObject({ error: "invalid_grant" });
  });

  it("issues client-credentials tokens whose introspection names the app-only mailbox", async () => {
    const daemonConfig = await connect(daemon);
    const tokens = await oidc.clientCredentialsGrant(daemonConfig, { scope: "mail" });
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.scope).toBe("mail");
    const answer = await provider.introspect(tokens.access_token);
    expect(answer).toMatchObject({ active: true, client_id: daemon.clientId, email: "shared@example.test", scope: "mail" });
    expect(answer.sub).toBeUndefined();
    expect(provider.tokenRequests("client_credentials")).toBe(1);

    // A client without a mailbox gets tokens without email.
    const plain = await oidc.clientCredentialsGrant(config, { scope: "mail" });
    expect((await provider.introspect(plain.access_token)).email).toBeUndefined();
  });

  // What openid-client 6 throws, for lib/oauth's classification of provider errors.
  it("rejects a wrong client secret: invalid_client, as a WWW-Authenticate challenge with Basic auth", async () => {
    const wrongBasic = await connect(webClient, oidc.ClientSecretBasic("wrong"));
    const basic = await caught(oidc.clientCredentialsGrant(wrongBasic, { scope: "mail" }));
    expect(basic).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    expect(basic).toMatchObject({ code: "OAUTH_WWW_AUTHENTICATE_CHALLENGE", status: 401 });
    expect(basic.error).toBeUndefined();
    expect(basic.cause).toEqual([
      { scheme: "basic", parameters: expect.objectContaining({ error: "invalid_client", error_description: "client authentication failed" }) },
    ]);

    const wrongPost = await connect(daemon, oidc.ClientSecretPost("wrong"));
    const post = await caught(oidc.clientCredentialsGrant(wrongPost, { scope: "mail" }));
    expect(post).toBeInstanceOf(oidc.ResponseBodyError);
    expect(post).toMatchObject({ code: "OAUTH_RESPONSE_BODY_ERROR", status: 401, error: "invalid_client" });
    expect(post.cause).toEqual({ error: "invalid_client", error_description: "client authentication failed" });
  });

  it("answers 503 temporarily_unavailable while down: openid-client reports a non-conform response", async () => {
    const { tokens } = await signIn("judy");
    provider.resetCounters();
    await provider.setDown("503");
    const failure = await caught(oidc.refreshTokenGrant(config, tokens.refresh_token!));
    // oauth4webapi parses OAuth error bodies of 4xx answers only: a 5xx is a
    // ClientError whose cause is the unread Response.
    expect(failure).toBeInstanceOf(oidc.ClientError);
    expect(failure.code).toBe("OAUTH_RESPONSE_IS_NOT_CONFORM");
    expect(failure.message).toBe("unexpected HTTP response status code");
    expect(failure.status).toBeUndefined();
    const response = failure.cause as Response;
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.json()).toMatchObject({ error: "temporarily_unavailable" });
    expect(provider.tokenRequests("refresh_token")).toBe(1);

    await provider.setDown(false);
    await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(provider.tokenRequests("refresh_token")).toBe(2);
  });

  it("refuses connections while down (a fetch TypeError) and comes back on the same port", async () => {
    const { tokens } = await signIn("mallory");
    await provider.setDown("refuse");
    const failure = await caught(oidc.refreshTokenGrant(config, tokens.refresh_token!));
    // openid-client passes fetch's own error through.
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure.message).toBe("fetch failed");
    expect(failure.cause).toMatchObject({ code: "ECONNREFUSED", message: expect.stringMatching(/^connect ECONNREFUSED 127\.0\.0\.1:\d+$/) });
    expect(await caught(provider.introspect(tokens.access_token))).toBeInstanceOf(TypeError);
    await provider.setDown(false);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
  });

  it("counts token requests by grant type, slow ones included", async () => {
    provider.setTokenDelay(200);
    const { tokens } = await signIn("niaj");
    const started = performance.now();
    provider.setRotateRefreshTokens(false);
    await Promise.all([oidc.refreshTokenGrant(config, tokens.refresh_token!), oidc.refreshTokenGrant(config, tokens.refresh_token!)]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(provider.tokenRequests("authorization_code")).toBe(1);
    expect(provider.tokenRequests("refresh_token")).toBe(2);
    expect(provider.tokenRequests("client_credentials")).toBe(0);
    expect(provider.tokenRequests()).toBe(3);
    provider.resetCounters();
    expect(provider.tokenRequests()).toBe(0);
  });

  it("accepts clients added later and refuses invalid metadata", async () => {
    const late: TestClient = { clientId: "late", clientSecret: "late-secret", redirectUris: ["http://127.0.0.1:9/cb/late"] };
    await provider.addClient(late);
    const lateConfig = await connect(late);
    await oidc.clientCredentialsGrant(lateConfig, { scope: "mail" });
    await expect(provider.addClient({ clientId: "bad", clientSecret: "x", redirectUris: ["not a url"] })).rejects.toThrow(/redirect_uris/);
  });

  it("issues a refresh token for offline_access without prompt=consent (harness default)", async () => {
    const { tokens } = await signIn("olivia", "openid offline_access");
    expect(tokens.refresh_token).toBeTruthy();
  });
});

const outlookScope = "https://outlook.office.com/IMAP.AccessAsUser.All";

describe("strict offline_access (oidc-provider's own rule), extra scopes", () => {
  let strict: TestProvider;
  let strictConfig: oidc.Configuration;
  beforeAll(async () => {
    strict = await startTestProvider({ requirePromptConsentForOfflineAccess: true, scopes: [outlookScope] });
    await strict.addClient(webClient);
    strictConfig = await oidc.discovery(new URL(strict.issuer), webClient.clientId, undefined, oidc.ClientSecretBasic(webClient.clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
  });

  async function codeFlow(extra: Record<string, string>) {
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(strictConfig, {
      redirect_uri: redirectUri,
      scope: `openid email offline_access ${outlookScope}`,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state: "st",
      ...extra,
    });
    const callback = new URL(await strict.authorizeHeadless(url.href, { login: testAccountEmail("peggy") }));
    return oidc.authorizationCodeGrant(strictConfig, callback, { pkceCodeVerifier: codeVerifier, expectedState: "st" });
  }

  it("needs prompt=consent to issue a refresh token", async () => {
    const without = await codeFlow({});
    expect(without.refresh_token).toBeUndefined();
    expect(without.scope?.split(" ")).not.toContain("offline_access");
    const withConsent = await codeFlow({ prompt: "consent" });
    expect(withConsent.refresh_token).toBeTruthy();
    expect(withConsent.scope?.split(" ")).toContain(outlookScope);
    expect(withConsent.claims()).toMatchObject({ sub: "peggy@example.test", email: "peggy@example.test" });
  });
});

describe("quiet", () => {
  it("printed no oidc-provider warning or notice in this file", () => {
    const said = [...warn.mock.calls, ...info.mock.calls].map((args) => args.map(String).join(" "));
    expect(said.filter((line) => line.includes("oidc-provider"))).toEqual([]);
  });
});
