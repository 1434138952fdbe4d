import { beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import { startTestProvider, type TestProvider } from "#tests/support/oidc-provider";
import { registerCleanup } from "#tests/support/cleanup";
import { HttpSession } from "#tests/support/http-session";

let server: AppServer;
let provider: TestProvider;
let admin: HttpSession;
let uma: HttpSession;
let vic: HttpSession;
let appId: string;
const SECRET = "api-client-secret-value";

type Json = Record<string, unknown> & { error?: { code: string; issues?: { path: string }[] } };

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

beforeAll(async () => {
  provider = await startTestProvider();
  registerCleanup(() => provider.close());
  server = await startAppServer({ env: { INSECURE_OAUTH_HOSTS: "127.0.0.1" } });
  admin = new HttpSession(server.url);
  await server.createFirstAdmin("ada@example.test", "a long passphrase");
  await admin.signIn("ada@example.test", "a long passphrase");
  for (const email of ["uma@example.test", "vic@example.test"]) {
    await admin.request("/api/v1/users", { method: "POST", json: { email, password: "a user passphrase", role: "user" } });
  }
  uma = new HttpSession(server.url);
  await uma.signIn("uma@example.test", "a user passphrase");
  vic = new HttpSession(server.url);
  await vic.signIn("vic@example.test", "a user passphrase");
});

/** "Connect to …" as a browser would: our redirect, the provider's consent, the callback. */
async function connect(session: HttpSession, login: string): Promise<string> {
  const start = await session.request(`/api/v1/connected-apps/${appId}/connect?successUri=/connections`);
  expect(start.status).toBe(302);
  const callback = new URL(await provider.authorizeHeadless(start.headers.get("location")!, { login }));
  const done = await session.request(callback.pathname + callback.search);
  expect(done.status).toBe(302);
  return done.headers.get("location")!;
}

describe("the Connected Apps API", () => {
  it("is for admins only", async () => {
    expect((await uma.request("/api/v1/connected-apps")).status).toBe(403);
    expect((await fetch(`${server.url}/api/v1/connected-apps`)).status).toBe(401);
    expect((await admin.request("/api/v1/connected-apps")).status).toBe(200);
  });

  it("names every invalid field", async () => {
    const response = await admin.request("/api/v1/connected-apps", {
      method: "POST",
      json: { providerName: "", clientId: "x", tokenUri: "not a url", queryParameters: { state: "fixed" }, scopes: ["two words"] },
    });
    expect(response.status).toBe(400);
    const paths = (await json(response)).error!.issues!.map((issue) => issue.path).sort();
    expect(paths).toEqual(["providerName", "queryParameters", "scopes.0", "tokenUri"]);
  });

  it("creates an app with its name alone, incomplete (offered to nobody, no flow) until it has a client id and endpoints", async () => {
    const response = await admin.request("/api/v1/connected-apps", { method: "POST", json: { providerName: "Contoso mail" } });
    expect(response.status).toBe(201);
    const created = await json(response);
    expect(created).toMatchObject({ status: "incomplete", missing: ["clientId", "authorizationUri", "tokenUri"], clientId: null, clientSecretSet: false });
    expect(created.redirectUri).toBe(`${server.url}/api/oauth/callback/${created.id}`);

    const connect = await uma.request(`/api/v1/connected-apps/${created.id}/connect`);
    expect(connect.status).toBe(409);
    expect((await json(connect)).error!.code).toBe("app_incomplete");
    expect(await (await uma.request("/connections")).text()).not.toContain("Contoso mail");

    const named = await json(await admin.request("/api/v1/connected-apps", { method: "POST", json: { providerName: "Microsoft", preset: "microsoft" } }));
    expect(named).toMatchObject({ status: "incomplete", missing: ["clientId"], tokenUri: "https://login.microsoftonline.com/common/oauth2/v2.0/token" });

    const finished = await admin.request(`/api/v1/connected-apps/${created.id}`, {
      method: "PATCH",
      json: { clientId: "contoso", authorizationUri: "https://login.contoso.example/authorize", tokenUri: "https://login.contoso.example/token" },
    });
    expect(await json(finished)).toMatchObject({ status: "ok", missing: [] });
    expect((await uma.request(`/api/v1/connected-apps/${created.id}/connect`)).status).toBe(302);
    expect(await (await uma.request("/connections")).text()).toContain("Contoso mail");
    for (const id of [created.id, named.id]) await admin.request(`/api/v1/connected-apps/${id}`, { method: "DELETE" });
  });

  it("refuses plain-http endpoints on hosts not listed as insecure", async () => {
    const response = await admin.request("/api/v1/connected-apps", {
      method: "POST",
      json: { providerName: "Plain", clientId: "x", authorizationUri: "http://idp.example.com/auth", tokenUri: "https://idp.example.com/token" },
    });
    expect(response.status).toBe(400);
    expect((await json(response)).error!.issues!.map((issue) => issue.path)).toEqual(["authorizationUri"]);
  });

  it("discovers a provider, and refuses loopback or private addresses not listed as insecure", async () => {
    const found = await admin.request("/api/v1/discovery", { method: "POST", json: { url: provider.discoveryUrl } });
    expect(found.status).toBe(200);
    expect(await json(found)).toMatchObject({
      issuer: provider.issuer,
      authorizationUri: `${provider.issuer}/auth`,
      tokenUri: `${provider.issuer}/token`,
      revocationUri: `${provider.issuer}/token/revocation`,
      introspectionUri: `${provider.issuer}/token/introspection`,
    });
    for (const url of ["https://127.0.0.2/.well-known/openid-configuration", "https://169.254.169.254/latest", "http://localhost/x"]) {
      const refused = await admin.request("/api/v1/discovery", { method: "POST", json: { url } });
      expect(refused.status, url).toBe(400);
    }
  });

  it("fills a Google app from its preset without any network call, and never returns the secret", async () => {
    const response = await admin.request("/api/v1/connected-apps", {
      method: "POST",
      json: { providerName: "Google", preset: "google", clientId: "google-client", clientSecret: SECRET },
    });
    expect(response.status).toBe(201);
    const created = await json(response);
    expect(created).toMatchObject({
      tokenUri: "https://oauth2.googleapis.com/token",
      scopes: ["openid", "email", "https://mail.google.com/"],
      queryParameters: { access_type: "offline", prompt: "consent" },
      clientSecretSet: true,
      pkce: true,
    });
    expect(created.redirectUri).toBe(`${server.url}/api/oauth/callback/${created.id as string}`);
    expect(JSON.stringify(created)).not.toContain(SECRET);
    const list = await admin.request("/api/v1/connected-apps");
    expect(await list.text()).not.toContain(SECRET);
  });

  it("creates an app from the discovery URL alone and lets a user connect", async () => {
    const response = await admin.request("/api/v1/connected-apps", {
      method: "POST",
      json: {
        providerName: "Test IdP",
        openidConfigurationUrl: provider.discoveryUrl,
        clientId: "api-client",
        clientSecret: SECRET,
        scopes: ["openid", "email", "offline_access"],
      },
    });
    expect(response.status).toBe(201);
    const created = await json(response);
    appId = created.id as string;
    expect(created.tokenUri).toBe(`${provider.issuer}/token`);
    await provider.addClient({ clientId: "api-client", clientSecret: SECRET, redirectUris: [created.redirectUri as string] });
    expect(await connect(uma, "uma@example.test")).toBe(`${server.url}/connections`);
  });

  it("refuses a success URI that leaves the site", async () => {
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example"]) {
      const response = await uma.request(`/api/v1/connected-apps/${appId}/connect?successUri=${encodeURIComponent(bad)}`);
      expect(response.status).toBe(400);
      expect((await json(response)).error!.code).toBe("invalid_success_uri");
    }
  });

  it("gives a user a fresh token for their own connection only", async () => {
    const response = await uma.request(`/api/v1/connected-apps/${appId}/token`, { headers: { "accept-encoding": "gzip, br" } });
    expect(response.status).toBe(200);
    // Never cached, never compressed (a token does not share a compressed body with anything: BREACH).
    expect(response.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(response.headers.get("content-encoding")).toBeNull();
    const token = await json(response);
    expect(token.tokenType).toBe("Bearer");
    expect((token.scopes as string[]).sort()).toEqual(["email", "offline_access", "openid"]);
    expect((await provider.introspect(token.accessToken as string)).active).toBe(true);

    const umaId = ((await uma.sessionUser()) as { id: string }).id;
    expect((await vic.request(`/api/v1/connected-apps/${appId}/token?userId=${umaId}`)).status).toBe(403);
    expect((await vic.request(`/api/v1/connected-apps/${appId}/token?appOnly=true`)).status).toBe(403);
    const vicOwn = await vic.request(`/api/v1/connected-apps/${appId}/token`);
    expect(vicOwn.status).toBe(409);
    expect((await json(vicOwn)).error!.code).toBe("not_connected");
    expect((await admin.request(`/api/v1/connected-apps/${appId}/token?userId=${umaId}`)).status).toBe(200);

    // An app that does not exist is a 404, for a user's token and for the app-only one (looked up only when no token is given).
    const unknown = "00000000-0000-4000-8000-000000000000";
    for (const [caller, query] of [[uma, ""], [admin, "?appOnly=true"]] as const) {
      const missing = await caller.request(`/api/v1/connected-apps/${unknown}/token${query}`);
      expect(missing.status).toBe(404);
      expect((await json(missing)).error!.code).toBe("not_found");
    }
  });

  it("lists connections without tokens: users see their own, admins everyone's", async () => {
    const own = await json(await uma.request("/api/v1/connections"));
    const items = own.items as { userEmail: string; status: string; providerEmail: string }[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ userEmail: "uma@example.test", status: "active", providerEmail: "uma@example.test" });
    expect(JSON.stringify(own)).not.toMatch(/accessToken|refreshToken|sealed/);
    expect(((await json(await vic.request("/api/v1/connections"))).items as unknown[]).length).toBe(0);
    expect(((await json(await admin.request("/api/v1/connections"))).items as unknown[]).length).toBe(1);
  });

  it("disconnects, revoking at the provider; the token API then answers 409 not_connected", async () => {
    const token = (await json(await uma.request(`/api/v1/connected-apps/${appId}/token`))).accessToken as string;
    const response = await uma.request(`/api/v1/connected-apps/${appId}/connection`, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ status: "disconnected", revokedAtProvider: true });
    expect((await provider.introspect(token)).active).toBe(false);
    const after = await uma.request(`/api/v1/connected-apps/${appId}/token`);
    expect(after.status).toBe(409);
    expect((await json(after)).error!.code).toBe("not_connected");
  });

  it("reports a refused callback on the connections page, storing nothing", async () => {
    const response = await vic.request(`/api/oauth/callback/${appId}?state=forged&code=abc`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`${server.url}/connections?error=unknown_state&app=${appId}`);
  });
});
