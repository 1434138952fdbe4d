import { beforeAll, describe, expect, it } from "vitest";
import * as oidc from "openid-client";
import { seal } from "#lib/crypto";
import { sealedColumnContext } from "#lib/secrets/sealed-columns";
import { CallbackError } from "#lib/oauth/callback-error";
import { completeConnection } from "#lib/tokens/complete-connection";
import { hashState, startAuthorization, verifierColumn } from "#lib/oauth/start-authorization";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";
import { refusalCode } from "#tests/support/refusals";

let f: OAuthFixture;
let appId: string;
let alice: string;
let bob: string;

beforeAll(async () => {
  f = await createOAuthFixture();
  appId = (await f.createApp()).id;
  alice = await f.createUser("alice@example.test");
  bob = await f.createUser("bob@example.test");
});

/** Starts an authorization and plays the user at the provider; returns the callback URL and the pending request. */
async function authorize(userId: string, login: string, successUri?: string) {
  const url = await startAuthorization(f.db, { connectedAppId: appId, userId, successUri });
  const state = new URL(url).searchParams.get("state")!;
  const callback = new URL(await f.provider.authorizeHeadless(url, { login }));
  const request = await f.db.authRequest.findUniqueOrThrow({ where: { stateHash: hashState(state) } });
  return { url: new URL(url), callback, request };
}

describe("Connect to …: the authorization request and its callback", () => {
  it("asks with PKCE S256, a state stored only hashed, a nonce for openid, and the extra parameters", async () => {
    const url = new URL(await startAuthorization(f.db, { connectedAppId: appId, userId: alice }));
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("nonce")).toBeTruthy();
    expect(url.searchParams.get("redirect_uri")).toBe(`http://127.0.0.1:3999/api/oauth/callback/${appId}`);
    expect(url.searchParams.get("scope")).toBe("openid email offline_access mail");
    const state = url.searchParams.get("state")!;
    const stored = await f.db.authRequest.findUniqueOrThrow({ where: { stateHash: hashState(state) } });
    expect(JSON.stringify(stored)).not.toContain(state);
    expect(stored.expiresAt.getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(stored.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(10 * 60_000);
  });

  it("connects: stores sealed tokens and the provider identity, then sends the browser to the success path", async () => {
    const { callback } = await authorize(alice, "alice@example.test", "/after/connect?x=1");
    const next = await completeConnection(f.db, { connectedAppId: appId, userId: alice, callbackParams: callback.searchParams });
    expect(next).toBe("/after/connect?x=1");
    const row = await f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: appId, userId: alice } });
    expect(row.status).toBe("active");
    expect(row.providerEmail).toBe("alice@example.test");
    expect(row.providerSubject).toBe("alice@example.test");
    expect(row.accessTokenSealed?.startsWith("v1:")).toBe(true);
    expect(row.refreshTokenSealed?.startsWith("v1:")).toBe(true);
    expect(row.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it("refuses a replayed callback", async () => {
    const { callback } = await authorize(alice, "alice@example.test");
    await completeConnection(f.db, { connectedAppId: appId, userId: alice, callbackParams: callback.searchParams });
    expect(await refusalCode(completeConnection(f.db, { connectedAppId: appId, userId: alice, callbackParams: callback.searchParams }))).toBe("state_used");
  });

  it("refuses an expired state, and stores nothing", async () => {
    const before = await f.db.tokenCache.findFirst({ where: { connectedAppId: appId, userId: bob } });
    const { callback, request } = await authorize(bob, "bob@example.test");
    await f.db.authRequest.update({ where: { id: request.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await refusalCode(completeConnection(f.db, { connectedAppId: appId, userId: bob, callbackParams: callback.searchParams }))).toBe("state_expired");
    expect(await f.db.tokenCache.findFirst({ where: { connectedAppId: appId, userId: bob } })).toEqual(before);
  });

  it("refuses the state of another user", async () => {
    const { callback } = await authorize(alice, "alice@example.test");
    expect(await refusalCode(completeConnection(f.db, { connectedAppId: appId, userId: bob, callbackParams: callback.searchParams }))).toBe("wrong_user");
  });

  it("refuses an unknown state and a missing one", async () => {
    const { callback } = await authorize(alice, "alice@example.test");
    callback.searchParams.set("state", oidc.randomState());
    expect(await refusalCode(completeConnection(f.db, { connectedAppId: appId, userId: alice, callbackParams: callback.searchParams }))).toBe("unknown_state");
    callback.searchParams.delete("state");
    expect(await refusalCode(completeConnection(f.db, { connectedAppId: appId, userId: alice, callbackParams: callback.searchParams }))).toBe("missing_state");
  });

  it("fails the code exchange with a wrong PKCE verifier", async () => {
    const { callback, request } = await authorize(alice, "alice@example.test");
    const wrong = oidc.randomPKCECodeVerifier();
    await f.db.authRequest.update({
      where: { id: request.id },
      data: { codeVerifierSealed: seal(wrong, sealedColumnContext(verifierColumn, request.id)) },
    });
    expect(await refusalCode(completeConnection(f.db, { connectedAppId: appId, userId: alice, callbackParams: callback.searchParams }))).toBe("exchange_failed");
  });

  it("fails the code exchange without the PKCE verifier", async () => {
    const { callback, request } = await authorize(alice, "alice@example.test");
    await f.db.authRequest.update({ where: { id: request.id }, data: { codeVerifierSealed: null } });
    expect(await refusalCode(completeConnection(f.db, { connectedAppId: appId, userId: alice, callbackParams: callback.searchParams }))).toBe("exchange_failed");
  });

  it("refuses an ID token whose nonce does not match", async () => {
    const { callback, request } = await authorize(alice, "alice@example.test");
    await f.db.authRequest.update({ where: { id: request.id }, data: { nonce: oidc.randomNonce() } });
    expect(await refusalCode(completeConnection(f.db, { connectedAppId: appId, userId: alice, callbackParams: callback.searchParams }))).toBe("id_token_invalid");
  });

  it("reports a declined consent (access_denied) and stores nothing", async () => {
    const url = await startAuthorization(f.db, { connectedAppId: appId, userId: bob });
    const callback = new URL(await f.provider.authorizeHeadless(url, { login: "bob@example.test", deny: true }));
    expect(callback.searchParams.get("error")).toBe("access_denied");
    let caught: unknown;
    try {
      await completeConnection(f.db, { connectedAppId: appId, userId: bob, callbackParams: callback.searchParams });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CallbackError);
    expect((caught as CallbackError).code).toBe("provider_error");
    expect((caught as CallbackError).providerError?.code).toBe("access_denied");
    expect(await f.db.tokenCache.findFirst({ where: { connectedAppId: appId, userId: bob } })).toBeNull();
  });

  it("refuses success URIs that leave the site, and falls back when a stored one is bad", async () => {
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example/", "evil", "/ok\r\nSet-Cookie: x=1"]) {
      expect(await refusalCode(startAuthorization(f.db, { connectedAppId: appId, userId: alice, successUri: bad }))).toBe("invalid_success_uri");
    }
    const { callback, request } = await authorize(alice, "alice@example.test");
    await f.db.authRequest.update({ where: { id: request.id }, data: { successUri: "//evil.example/x" } });
    expect(await completeConnection(f.db, { connectedAppId: appId, userId: alice, callbackParams: callback.searchParams })).toBe("/connections");
  });
});
