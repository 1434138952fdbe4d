import { beforeAll, describe, expect, it } from "vitest";
import { createConnectedApp } from "#lib/connected-apps/create-connected-app";
import { updateConnectedApp } from "#lib/connected-apps/update-connected-app";
import { checkConnectedApp } from "#lib/oauth/check-connected-app";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";

let f: OAuthFixture;
let adminId: string;

beforeAll(async () => {
  f = await createOAuthFixture();
  adminId = await f.createUser("checker@example.test", "admin");
});

const byName = (checks: Awaited<ReturnType<typeof checkConnectedApp>>) => Object.fromEntries(checks.map((check) => [check.name, check]));

describe("Check this app", () => {
  it("finds a working app working: configuration, both endpoints, and the client id and secret", async () => {
    const app = await f.createApp();
    const checks = byName(await checkConnectedApp(f.db, app.id));
    expect(checks).toMatchObject({
      "Set-up": { result: "ok" },
      "OpenID configuration": { result: "ok" },
      "Authorization endpoint": { result: "ok" },
      "Token endpoint": { result: "ok" },
      "Client id and secret": { result: "ok" },
    });
  });

  it("explains a wrong secret, and an app found working again is no longer misconfigured", async () => {
    const app = await f.createApp();
    await updateConnectedApp(f.db, app.id, { clientSecret: "wrong" }, { id: adminId });
    expect(byName(await checkConnectedApp(f.db, app.id))["Client id and secret"]).toMatchObject({ result: "failed", detail: expect.stringMatching(/client id or secret/) });
    await f.db.connectedApp.update({ where: { id: app.id }, data: { status: "misconfigured", statusMessage: "refused" } });
    await updateConnectedApp(f.db, app.id, { clientSecret: app.clientSecret }, { id: adminId });
    await f.db.connectedApp.update({ where: { id: app.id }, data: { status: "misconfigured", statusMessage: "refused" } });
    expect(byName(await checkConnectedApp(f.db, app.id))["Client id and secret"]).toMatchObject({ result: "ok" });
    expect((await f.db.connectedApp.findUniqueOrThrow({ where: { id: app.id } })).status).toBe("ok");
  });

  it("says what is missing and what cannot be reached", async () => {
    const incomplete = await createConnectedApp(f.db, { providerName: "Half done" }, { id: adminId });
    expect(await checkConnectedApp(f.db, incomplete.id)).toEqual([
      { name: "Set-up", result: "failed", detail: "Still missing: a client id, an authorization endpoint and a token endpoint. Users are not offered the app until it has them." },
    ]);
    const unreachable = await createConnectedApp(
      f.db,
      { providerName: "Gone", clientId: "x", clientSecret: "y", authorizationUri: "http://127.0.0.1:9/auth", tokenUri: "http://127.0.0.1:9/token" },
      { id: adminId },
    );
    const checks = byName(await checkConnectedApp(f.db, unreachable.id));
    expect(checks["Token endpoint"]).toMatchObject({ result: "failed", detail: expect.stringMatching(/^Not reachable/) });
    expect(checks["Client id and secret"]!.result).toBe("failed");
  });

  it("skips what a provider cannot check without a user, and says why", async () => {
    const google = await createConnectedApp(f.db, { providerName: "Google", preset: "google", clientId: "g", clientSecret: "s" }, { id: adminId });
    const microsoft = await createConnectedApp(f.db, { providerName: "Microsoft", preset: "microsoft", clientId: "m", clientSecret: "s" }, { id: adminId });
    // (Their endpoints are on the internet, out of this machine's reach: only the credentials verdict is looked at.)
    expect(byName(await checkConnectedApp(f.db, google.id))["Client id and secret"]).toMatchObject({ result: "skipped", detail: expect.stringContaining("first user connects") });
    expect(byName(await checkConnectedApp(f.db, microsoft.id))["Client id and secret"]).toMatchObject({ result: "skipped", detail: expect.stringContaining('"common"') });
  });
});
