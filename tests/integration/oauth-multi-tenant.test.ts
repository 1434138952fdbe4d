import { beforeAll, describe, expect, it } from "vitest";
import { completeConnection } from "#lib/tokens/complete-connection";
import { startAuthorization } from "#lib/oauth/start-authorization";
import { getAccessToken } from "#lib/tokens/get-access-token";
import { createOAuthFixture, type OAuthFixture } from "#tests/support/oauth-fixture";
import { refusalCode } from "#tests/support/refusals";

/**
 * Microsoft's multi-tenant authorities (common, organizations) publish the
 * issuer `https://login.microsoftonline.com/{tenantid}/v2.0`; each ID token's
 * `iss` names the user's tenant and `tid` repeats it. The test provider plays
 * one tenant: issuer `<origin>/tenant-a/v2.0`, endpoints at the origin, `tid`
 * in ID tokens. oidc-provider also puts `iss` in the authorization response
 * (RFC 9207); Entra does not, so `connectLikeEntra` drops it.
 */
let f: OAuthFixture;
let alice: string;

beforeAll(async () => {
  f = await createOAuthFixture({ provider: { tenant: { issuerPath: "/tenant-a/v2.0" } } });
  alice = await f.createUser("alice@example.test");
});

function appAt(issuer: string) {
  const origin = f.provider.origin;
  return f.createApp({
    openidConfigurationUrl: undefined,
    issuer,
    authorizationUri: `${origin}/auth`,
    tokenUri: `${origin}/token`,
    revocationUri: `${origin}/token/revocation`,
  });
}

async function connectLikeEntra(fixture: OAuthFixture, appId: string, userId: string, login: string): Promise<string> {
  const url = await startAuthorization(fixture.db, { connectedAppId: appId, userId });
  const callback = new URL(await fixture.provider.authorizeHeadless(url, { login }));
  expect(callback.searchParams.has("iss")).toBe(true);
  callback.searchParams.delete("iss");
  return completeConnection(fixture.db, { connectedAppId: appId, userId, callbackParams: callback.searchParams });
}

describe("an issuer with {tenantid}", () => {
  it("accepts the ID token of the user's tenant, asks the provider once, keeps the tenant, and refreshes", async () => {
    const app = await appAt(`${f.provider.origin}/{tenantid}/v2.0`);
    f.provider.resetCounters();
    expect(await connectLikeEntra(f, app.id, alice, "alice@example.test")).toBe("/connections");
    expect(f.provider.tokenRequests("authorization_code")).toBe(1);
    const row = await f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: app.id, userId: alice } });
    expect(row).toMatchObject({ status: "active", providerTenantId: "tenant-a", providerEmail: "alice@example.test" });

    // A refresh answer carries a new ID token; it is checked the same way.
    await f.db.tokenCache.update({ where: { id: row.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const token = await getAccessToken(f.db, app.id, alice);
    expect(token.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(f.provider.tokenRequests("refresh_token")).toBe(1);
    const refreshed = await f.db.tokenCache.findUniqueOrThrow({ where: { id: row.id } });
    expect(refreshed).toMatchObject({ status: "active", lastError: null });
    expect(refreshed.version).toBeGreaterThan(row.version);
  });

  it("takes the tenant from the authorization response's iss when the provider sends one", async () => {
    const app = await appAt(`${f.provider.origin}/{tenantid}/v2.0`);
    const carol = await f.createUser("carol@example.test");
    expect(await f.connect(app.id, carol, "carol@example.test")).toBe("/connections");
    const row = await f.db.tokenCache.findFirstOrThrow({ where: { connectedAppId: app.id, userId: carol } });
    expect(row).toMatchObject({ status: "active", providerTenantId: "tenant-a" });
  });

  it("refuses an ID token whose tid is not the tenant its issuer names, and stores nothing", async () => {
    const forged = await createOAuthFixture({ provider: { tenant: { issuerPath: "/tenant-a/v2.0", tenantClaim: "tenant-b" } } });
    const origin = forged.provider.origin;
    const app = await forged.createApp({
      openidConfigurationUrl: undefined,
      issuer: `${origin}/{tenantid}/v2.0`,
      authorizationUri: `${origin}/auth`,
      tokenUri: `${origin}/token`,
    });
    const bob = await forged.createUser("bob@example.test");
    forged.provider.resetCounters();
    expect(await refusalCode(connectLikeEntra(forged, app.id, bob, "bob@example.test"))).toBe("id_token_invalid");
    expect(forged.provider.tokenRequests("authorization_code")).toBe(1);
    expect(await forged.db.tokenCache.count({ where: { connectedAppId: app.id } })).toBe(0);
  });

  it("still compares a literal issuer literally: another tenant's ID token is refused", async () => {
    const app = await appAt(`${f.provider.origin}/tenant-b/v2.0`);
    expect(await refusalCode(f.connect(app.id, alice, "alice@example.test"))).toBe("id_token_invalid");
    expect(await f.db.tokenCache.count({ where: { connectedAppId: app.id } })).toBe(0);
  });
});
