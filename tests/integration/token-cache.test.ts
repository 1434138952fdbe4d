import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "#lib/errors";
import { getAccessToken } from "#lib/tokens/get-access-token";
import { disconnectConnection } from "#lib/tokens/disconnect-connection";
import { openRefreshToken } from "#lib/tokens/token-columns";
import { resolveIdentitySwitch } from "#lib/tokens/confirm-identity-switch";
import { updateConnectedApp } from "#lib/connected-apps/update-connected-app";
import { refreshExpiringTokens } from "#lib/tokens/refresh-expiring-tokens";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";

let f: OAuthFixture;

beforeAll(async () => {
  f = await createOAuthFixture();
});

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "no error";
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

async function tokenRow(appId: string, userId: string) {
  return f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: appId, userId } });
}

/** A connected user whose access token is already inside the refresh margin (60 s left < 300 s). */
async function connectedWithStaleToken(login: string) {
  const app = await f.createApp();
  const userId = await f.createUser(login);
  f.provider.setAccessTokenTtl(60);
  await f.connect(app.id, userId, login);
  f.provider.setAccessTokenTtl(3600);
  f.provider.resetCounters();
  return { app, userId };
}

describe("getAccessToken", () => {
  it("returns the cached token while it has more than the margin left, without calling the provider", async () => {
    const app = await f.createApp();
    const userId = await f.createUser("cached@example.test");
    await f.connect(app.id, userId, "cached@example.test");
    f.provider.resetCounters();
    const first = await getAccessToken(f.db, app.id, userId);
    const second = await getAccessToken(f.db, app.id, userId);
    expect(second.accessToken).toBe(first.accessToken);
    expect(f.provider.tokenRequests()).toBe(0);
    expect((await f.provider.introspect(first.accessToken)).active).toBe(true);
  });

  it("refreshes a token inside the margin, storing the rotated refresh token", async () => {
    f.provider.setRotateRefreshTokens(true);
    const { app, userId } = await connectedWithStaleToken("rotate@example.test");
    const before = await tokenRow(app.id, userId);
    const token = await getAccessToken(f.db, app.id, userId);
    const after = await tokenRow(app.id, userId);
    expect(f.provider.tokenRequests("refresh_token")).toBe(1);
    expect(after.version).toBe(before.version + 1);
    expect(openRefreshToken(after.id, after.refreshTokenSealed!)).not.toBe(openRefreshToken(before.id, before.refreshTokenSealed!));
    expect(token.expiresAt!.getTime() - Date.now()).toBeGreaterThan(3000 * 1000);
    // The new refresh token works again: the rotation was stored, not lost.
    await f.db.tokenCache.update({ where: { id: after.id }, data: { expiresAt: new Date(Date.now() + 1000) } });
    await getAccessToken(f.db, app.id, userId);
    expect(f.provider.tokenRequests("refresh_token")).toBe(2);
    expect((await tokenRow(app.id, userId)).status).toBe("active");
  });

  it("keeps the refresh token when the provider does not rotate it", async () => {
    f.provider.setRotateRefreshTokens(false);
    try {
      const { app, userId } = await connectedWithStaleToken("norotate@example.test");
      const before = await tokenRow(app.id, userId);
      await getAccessToken(f.db, app.id, userId);
      const after = await tokenRow(app.id, userId);
      expect(f.provider.tokenRequests("refresh_token")).toBe(1);
      expect(openRefreshToken(after.id, after.refreshTokenSealed!)).toBe(openRefreshToken(before.id, before.refreshTokenSealed!));
    } finally {
      f.provider.setRotateRefreshTokens(true);
    }
  });

  it("joins concurrent callers in one process into one refresh", async () => {
    const { app, userId } = await connectedWithStaleToken("joined@example.test");
    f.provider.setTokenDelay(200);
    try {
      const tokens = await Promise.all(Array.from({ length: 20 }, () => getAccessToken(f.db, app.id, userId)));
      expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
      expect(f.provider.tokenRequests("refresh_token")).toBe(1);
    } finally {
      f.provider.setTokenDelay(0);
    }
  });

  it("marks needs_reauth on invalid_grant, notifies the owner, and answers needs_reauth from then on", async () => {
    const { app, userId } = await connectedWithStaleToken("revoked@example.test");
    await f.provider.revokeGrantsOf("revoked@example.test");
    expect(await errorCode(getAccessToken(f.db, app.id, userId))).toBe("needs_reauth");
    const row = await tokenRow(app.id, userId);
    expect(row.status).toBe("needs_reauth");
    expect(row.lastError).toMatch(/reconnect/i);
    const notifications = await f.db.notification.findMany({ where: { userId, readAt: null } });
    expect(notifications.map((n) => n.title)).toEqual(["Reconnect your Test IdP account"]);
    const calls = f.provider.tokenRequests();
    expect(await errorCode(getAccessToken(f.db, app.id, userId))).toBe("needs_reauth");
    expect(f.provider.tokenRequests()).toBe(calls);

    // Reconnect in place: the same row, active again, notification resolved.
    await f.connect(app.id, userId, "revoked@example.test");
    const reconnected = await tokenRow(app.id, userId);
    expect(reconnected.id).toBe(row.id);
    expect(reconnected.status).toBe("active");
    expect(await f.db.notification.count({ where: { userId, readAt: null } })).toBe(0);
    expect((await getAccessToken(f.db, app.id, userId)).accessToken).toBeTruthy();
  });

  it("serves the cached token while the provider is down, then 502 once it expired; never needs_reauth", async () => {
    const { app, userId } = await connectedWithStaleToken("down@example.test");
    const cached = await f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: app.id, userId } });
    await f.provider.setDown("503");
    try {
      const token = await getAccessToken(f.db, app.id, userId);
      expect(token.expiresAt!.getTime()).toBe(cached.expiresAt!.getTime());
      expect((await tokenRow(app.id, userId)).consecutiveFailures).toBe(1);

      await f.db.tokenCache.update({ where: { id: cached.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      expect(await errorCode(getAccessToken(f.db, app.id, userId))).toBe("provider_unavailable");
      await f.provider.setDown("refuse");
      expect(await errorCode(getAccessToken(f.db, app.id, userId))).toBe("provider_unavailable");
      expect((await tokenRow(app.id, userId)).status).toBe("active");
    } finally {
      await f.provider.setDown(false);
    }
    expect((await getAccessToken(f.db, app.id, userId)).expiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect((await tokenRow(app.id, userId)).consecutiveFailures).toBe(0);
  });

  it("marks the app misconfigured on invalid_client and leaves the user's connection alone", async () => {
    const { app, userId } = await connectedWithStaleToken("badsecret@example.test");
    const admin = await f.db.user.findUniqueOrThrow({ where: { email: "fixture-admin@example.test" } });
    await updateConnectedApp(f.db, app.id, { clientSecret: "wrong-secret" }, { id: admin.id });
    const token = await getAccessToken(f.db, app.id, userId);
    expect(token.accessToken).toBeTruthy();
    const stored = await f.db.connectedApp.findUniqueOrThrow({ where: { id: app.id } });
    expect(stored.status).toBe("misconfigured");
    expect(stored.statusMessage).toMatch(/client id or secret/);
    expect((await tokenRow(app.id, userId)).status).toBe("active");
    expect(await f.db.notification.count({ where: { userId: admin.id, kind: "connected_app.misconfigured" } })).toBe(1);

    await updateConnectedApp(f.db, app.id, { clientSecret: app.clientSecret }, { id: admin.id });
    expect((await f.db.connectedApp.findUniqueOrThrow({ where: { id: app.id } })).status).toBe("ok");
  });

  it("flags a reconnection by another provider account and applies it only when confirmed", async () => {
    const app = await f.createApp();
    const userId = await f.createUser("carol@example.test");
    await f.connect(app.id, userId, "carol@example.test");
    const next = await f.connect(app.id, userId, "mallory@example.test");
    expect(next).toMatch(/^\/connections\/confirm\/[0-9a-f-]{36}$/);
    expect((await tokenRow(app.id, userId)).providerEmail).toBe("carol@example.test");

    const requestId = next.split("/").at(-1)!;
    await resolveIdentitySwitch(f.db, { authRequestId: requestId, userId, accept: true });
    expect((await tokenRow(app.id, userId)).providerEmail).toBe("mallory@example.test");
    expect(await errorCode(resolveIdentitySwitch(f.db, { authRequestId: requestId, userId, accept: true }))).toBe("not_found");
  });

  it("disconnects: revokes at the provider, erases the tokens, keeps the row", async () => {
    const app = await f.createApp();
    const userId = await f.createUser("dave@example.test");
    await f.connect(app.id, userId, "dave@example.test");
    const row = await tokenRow(app.id, userId);
    const refreshToken = openRefreshToken(row.id, row.refreshTokenSealed!);
    const result = await disconnectConnection(f.db, { connectedAppId: app.id, userId, actorId: userId });
    expect(result.revokedAtProvider).toBe(true);
    expect((await f.provider.introspect(refreshToken)).active).toBe(false);
    const after = await tokenRow(app.id, userId);
    expect(after.status).toBe("disconnected");
    expect(after.accessTokenSealed).toBeNull();
    expect(after.refreshTokenSealed).toBeNull();
    expect(await errorCode(getAccessToken(f.db, app.id, userId))).toBe("not_connected");
    expect(await errorCode(disconnectConnection(f.db, { connectedAppId: app.id, userId, actorId: userId }))).toBe("not_connected");
  });

  it("says where to remove access when the provider has no revocation endpoint", async () => {
    const app = await f.createApp({ revocationUri: null });
    const userId = await f.createUser("erin@example.test");
    await f.connect(app.id, userId, "erin@example.test");
    const result = await disconnectConnection(f.db, { connectedAppId: app.id, userId, actorId: userId });
    expect(result.revokedAtProvider).toBe(false);
    expect(result.message).toMatch(/remove this app's access yourself/);
  });

  it("gets, caches and renews an app-only token with client credentials", async () => {
    const app = await f.createApp({ scopes: ["mail"], appOnlyMailbox: "shared@example.test" });
    f.provider.resetCounters();
    const token = await getAccessToken(f.db, app.id, null);
    const again = await getAccessToken(f.db, app.id, null);
    expect(again.accessToken).toBe(token.accessToken);
    expect(f.provider.tokenRequests("client_credentials")).toBe(1);
    const introspection = await f.provider.introspect(token.accessToken);
    expect(introspection.active).toBe(true);
    expect(introspection.email).toBe("shared@example.test");
  });

  it("answers not_connected for a user who never connected", async () => {
    const app = await f.createApp();
    const userId = await f.createUser("nobody@example.test");
    expect(await errorCode(getAccessToken(f.db, app.id, userId))).toBe("not_connected");
  });
});

describe("the background refresh sweep", () => {
  it("refreshes tokens expiring within 15 minutes and leaves fresh ones alone", async () => {
    const app = await f.createApp();
    const soon = await f.createUser("soon@example.test");
    const later = await f.createUser("later@example.test");
    f.provider.setAccessTokenTtl(600);
    await f.connect(app.id, soon, "soon@example.test");
    f.provider.setAccessTokenTtl(3600);
    await f.connect(app.id, later, "later@example.test");
    await f.db.tokenCache.updateMany({ where: { connectedAppId: { not: app.id } }, data: { status: "disconnected" } });
    f.provider.resetCounters();
    const result = await refreshExpiringTokens(f.db);
    expect(result).toEqual({ refreshed: 1, failed: 0 });
    expect(f.provider.tokenRequests("refresh_token")).toBe(1);
    expect((await tokenRow(app.id, soon)).expiresAt!.getTime() - Date.now()).toBeGreaterThan(3000 * 1000);
  });
});
