import { beforeAll, describe, expect, it } from "vitest";
import { updateConnectedApp } from "#lib/connected-apps/update-connected-app";
import { notify } from "#lib/notifications/notify";
import { RECONNECT_NOTIFICATION } from "#lib/tokens/connection-status";
import { disconnectConnection } from "#lib/tokens/disconnect-connection";
import { getAccessToken } from "#lib/tokens/get-access-token";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";
import { appError } from "#tests/support/refusals";

let f: OAuthFixture;

beforeAll(async () => {
  f = await createOAuthFixture();
});

/** A user connected with a token inside the refresh margin: the next getAccessToken refreshes. */
async function connectedWithStaleToken(appId: string, email: string): Promise<string> {
  const userId = await f.createUser(email);
  f.provider.setAccessTokenTtl(60);
  try {
    await f.connect(appId, userId, email);
  } finally {
    f.provider.setAccessTokenTtl(3600);
  }
  return userId;
}

describe("races around a refresh", () => {
  it("a disconnect during a refresh that then fails is not followed by a 'reconnect your account' notification", async () => {
    const app = await f.createApp();
    const userId = await connectedWithStaleToken(app.id, "leaving@example.test");
    await f.provider.revokeGrantsOf("leaving@example.test");
    f.provider.setTokenDelay(1500);
    try {
      const refreshing = appError(getAccessToken(f.db, app.id, userId));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The user disconnects while the sweep's refresh is at the provider.
      await disconnectConnection(f.db, { connectedAppId: app.id, userId, actorId: userId });
      expect((await refreshing).code).toBe("not_connected");
    } finally {
      f.provider.setTokenDelay(0);
    }
    const row = await f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: app.id, userId } });
    expect(row.status).toBe("disconnected");
    expect(await f.db.notification.count({ where: { userId, kind: RECONNECT_NOTIFICATION } })).toBe(0);
  });

  it("many users' refreshes refused with invalid_client tell each admin once", async () => {
    const app = await f.createApp();
    const users = await Promise.all(Array.from({ length: 12 }, (_, index) => connectedWithStaleToken(app.id, `misconfigured-${index}@example.test`)));
    const admin = await f.db.user.findUniqueOrThrow({ where: { email: "fixture-admin@example.test" } });
    const before = await f.db.notification.count({ where: { userId: admin.id, kind: "connected_app.misconfigured" } });
    await updateConnectedApp(f.db, app.id, { clientSecret: "wrong-secret" }, { id: admin.id });
    await Promise.all(users.map((userId) => getAccessToken(f.db, app.id, userId)));
    expect((await f.db.connectedApp.findUniqueOrThrow({ where: { id: app.id } })).status).toBe("misconfigured");
    expect(await f.db.notification.count({ where: { userId: admin.id, kind: "connected_app.misconfigured", link: `/admin/connected-apps/${app.id}` } })).toBe(1);
    expect(before).toBe(await f.db.notification.count({ where: { userId: admin.id, kind: "connected_app.misconfigured", link: { not: `/admin/connected-apps/${app.id}` } } }));
  });

  it("notify makes one unread notification of many told at once", async () => {
    const userId = await f.createUser("told-at-once@example.test");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => notify(f.db, { userId, kind: "test.repeated", title: `Problem ${index}`, body: "Same problem", link: "/somewhere" })),
    );
    expect(await f.db.notification.count({ where: { userId, kind: "test.repeated", readAt: null } })).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
  });
});
