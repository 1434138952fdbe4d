import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { updateConnectedApp } from "#lib/connected-apps/update-connected-app";
import { getAccessToken } from "#lib/tokens/get-access-token";
import { openRefreshToken } from "#lib/tokens/token-columns";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";
import { registerCleanup } from "#tests/support/cleanup";

let f: OAuthFixture;
let adminId: string;

/** A token endpoint on another host that keeps every request it gets (as an attacker's would). */
async function capturingTokenEndpoint(): Promise<{ url: string; requests: { authorization: string | undefined; body: string }[] }> {
  const requests: { authorization: string | undefined; body: string }[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      requests.push({ authorization: request.headers.authorization, body });
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "invalid_request" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  registerCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, requests };
}

beforeAll(async () => {
  f = await createOAuthFixture();
  adminId = await f.createUser("admin@example.test", "admin");
});

describe("moving a Connected App's endpoints", () => {
  it("drops the stored client secret, so the next refresh cannot deliver it to the new host", async () => {
    const app = await f.createApp();
    const userId = await f.createUser("victim@example.test");
    f.provider.setAccessTokenTtl(60);
    await f.connect(app.id, userId, "victim@example.test");
    f.provider.setAccessTokenTtl(3600);
    const evil = await capturingTokenEndpoint();

    const moved = await updateConnectedApp(f.db, app.id, { tokenUri: evil.url }, { id: adminId, ip: "203.0.113.9" });
    expect(moved.clientSecretSet).toBe(false);

    await getAccessToken(f.db, app.id, userId).catch(() => undefined);
    expect(evil.requests).toHaveLength(1);
    const [request] = evil.requests;
    const basic = request!.authorization ? Buffer.from(request!.authorization.replace(/^Basic /, ""), "base64").toString() : "";
    expect(basic).not.toContain(app.clientSecret);
    expect(decodeURIComponent(request!.body)).not.toContain(app.clientSecret);

    // Who moved it, from where to where, is in the audit log (and no secret).
    const event = await f.db.auditEvent.findFirstOrThrow({ where: { action: "connected_app.update", targetId: app.id }, orderBy: { createdAt: "desc" } });
    expect(event).toMatchObject({ actorId: adminId, ip: "203.0.113.9" });
    expect(event.details).toMatchObject({ endpoints: { tokenUri: { from: app.tokenUri, to: evil.url } }, storedCredentialDropped: true });
    const row = await f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: app.id, userId } });
    expect(JSON.stringify(event.details)).not.toContain(openRefreshToken(row.id, row.refreshTokenSealed!));
    expect(JSON.stringify(event.details)).not.toContain(app.clientSecret);
  });

  it("keeps the secret when the same request gives it again, or when the endpoints do not change", async () => {
    const app = await f.createApp();
    const evil = await capturingTokenEndpoint();
    expect((await updateConnectedApp(f.db, app.id, { tokenUri: app.tokenUri!, issuer: app.issuer! }, { id: adminId })).clientSecretSet).toBe(true);
    expect((await updateConnectedApp(f.db, app.id, { providerName: "Renamed", scopes: ["openid"] }, { id: adminId })).clientSecretSet).toBe(true);
    expect((await updateConnectedApp(f.db, app.id, { tokenUri: evil.url, clientSecret: "typed again" }, { id: adminId })).clientSecretSet).toBe(true);
  });

  it("drops it for every endpoint that receives the secret or tells where to send it", async () => {
    for (const field of ["openidConfigurationUrl", "issuer", "authorizationUri", "tokenUri", "revocationUri", "userinfoUri", "introspectionUri"] as const) {
      const app = await f.createApp();
      const changed = await updateConnectedApp(f.db, app.id, { [field]: `http://127.0.0.1:9/${field}` }, { id: adminId });
      expect([field, changed.clientSecretSet]).toEqual([field, false]);
    }
  });
});
