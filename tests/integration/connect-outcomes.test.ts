import { beforeAll, describe, expect, it } from "vitest";
import { describeCallbackError } from "#lib/oauth/describe-callback-error";
import { getAuthorizationFailure } from "#lib/oauth/exchange-authorization-code";
import { startAuthorization } from "#lib/oauth/start-authorization";
import { updateConnectedApp } from "#lib/connected-apps/update-connected-app";
import { completeConnection } from "#lib/tokens/complete-connection";
import { listConnections } from "#lib/tokens/list-connections";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";
import { refusalCode } from "#tests/support/refusals";

let f: OAuthFixture;
let adminId: string;

beforeAll(async () => {
  f = await createOAuthFixture();
  adminId = (await f.db.user.upsert({ where: { email: "fixture-admin@example.test" }, create: { email: "fixture-admin@example.test", name: "admin", role: "admin" }, update: {} })).id;
});

async function connect(appId: string, userId: string, login: string) {
  const url = await startAuthorization(f.db, { connectedAppId: appId, userId });
  const callback = new URL(await f.provider.authorizeHeadless(url, { login }));
  return completeConnection(f.db, { connectedAppId: appId, userId, callbackParams: callback.searchParams });
}

describe("what a user meets when connecting", () => {
  it("a rejected client secret at the code exchange: the app turns misconfigured, the admins are told, the user reads why", async () => {
    const app = await f.createApp();
    await updateConnectedApp(f.db, app.id, { clientSecret: "not-the-secret" }, { id: adminId });
    const userId = await f.createUser("refused@example.test");
    const refused = connect(app.id, userId, "refused@example.test");
    expect(await refusalCode(refused)).toBe("exchange_failed");
    const stored = await f.db.connectedApp.findUniqueOrThrow({ where: { id: app.id } });
    expect(stored.status).toBe("misconfigured");
    expect(stored.statusMessage).toMatch(/client id or secret/);
    expect(await f.db.notification.count({ where: { userId: adminId, kind: "connected_app.misconfigured", link: `/admin/connected-apps/${app.id}` } })).toBe(1);
    expect(await f.db.tokenCache.count({ where: { connectedAppId: app.id } })).toBe(0);

    const request = await f.db.authRequest.findFirstOrThrow({ where: { connectedAppId: app.id, userId } });
    const failure = (await getAuthorizationFailure(f.db, request.id, userId))!;
    expect(describeCallbackError(failure, {})).toBe(
      "The provider refused to complete the connection. The provider rejected the app's client id or secret: an admin must check the Connected App. The admins have been told.",
    );
  });

  it("no refresh token granted: the connection says at once when it ends, and the user is told", async () => {
    // Without offline_access the test provider grants no refresh token (as Microsoft without it, Google without access_type=offline).
    const app = await f.createApp({ scopes: ["openid", "email", "mail"] });
    const userId = await f.createUser("short-lived@example.test");
    await connect(app.id, userId, "short-lived@example.test");
    const [connection] = (await listConnections(f.db, { userId, connectedAppId: app.id })).items;
    expect(connection).toMatchObject({ status: "active", renewable: false });
    const notice = await f.db.notification.findFirstOrThrow({ where: { userId, kind: "connection.not_renewable" } });
    expect(notice.title).toMatch(/^Your Test IdP connection ends at \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(notice.body).toContain("offline access");

    // With a refresh token: renewable, and nothing to warn about.
    const renewing = await f.createApp();
    const other = await f.createUser("long-lived@example.test");
    await connect(renewing.id, other, "long-lived@example.test");
    expect((await listConnections(f.db, { userId: other })).items[0]).toMatchObject({ renewable: true });
    expect(await f.db.notification.count({ where: { userId: other, kind: "connection.not_renewable" } })).toBe(0);
  });
});
