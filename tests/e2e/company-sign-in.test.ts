import { beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import { HttpSession } from "#tests/support/http-session";
import { startTestProvider, type TestProvider } from "#tests/support/oidc-provider";
import { registerCleanup } from "#tests/support/cleanup";

let app: AppServer;
let provider: TestProvider;

beforeAll(async () => {
  provider = await startTestProvider();
  registerCleanup(() => provider.close());
  app = await startAppServer({
    env: { AUTH_OIDC_ISSUER: provider.issuer, AUTH_OIDC_CLIENT_ID: "company-sign-in", AUTH_OIDC_CLIENT_SECRET: "company-sign-in-secret" },
  });
  await provider.addClient({ clientId: "company-sign-in", clientSecret: "company-sign-in-secret", redirectUris: [`${app.url}/api/auth/callback/oidc`] });
  await app.createFirstAdmin("ada@example.test", "a long passphrase");
});

/** "Company sign-in" as a browser does it: next-auth's start, the IdP's login and consent, the callback. */
async function companySignIn(login: string): Promise<{ session: HttpSession; landedOn: string }> {
  const session = new HttpSession(app.url);
  const { csrfToken } = (await (await session.request("/api/auth/csrf")).json()) as { csrfToken: string };
  const started = await session.request("/api/auth/signin/oidc", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${app.url}/`, json: "true" }),
  });
  const { url } = (await started.json()) as { url: string };
  const callback = new URL(await provider.authorizeHeadless(url, { login }));
  const finished = await session.request(`${callback.pathname}${callback.search}`);
  return { session, landedOn: finished.headers.get("location") ?? "" };
}

async function signedInAs(session: HttpSession): Promise<string | null> {
  const me = await session.request("/api/v1/me");
  return me.ok ? ((await me.json()) as { email: string }).email : null;
}

describe("company sign-in (AUTH_OIDC_*)", () => {
  it("refuses an IdP account whose address is not verified, even the admin's", async () => {
    provider.setAccountClaims("mallory", { email: "ada@example.test", email_verified: false });
    const { session, landedOn } = await companySignIn("mallory");
    expect(landedOn).toContain("error=AccessDenied");
    expect(await signedInAs(session)).toBeNull();
  });

  it("lets a user in by verified address the first time, and binds them to the IdP's subject", async () => {
    provider.setAccountClaims("ada-corp", { email: "ada@example.test", email_verified: true });
    const { session } = await companySignIn("ada-corp");
    expect(await signedInAs(session)).toBe("ada@example.test");
  });

  it("matches on the subject afterwards, whatever address the IdP gives then", async () => {
    provider.setAccountClaims("ada-corp", { email: "ada.renamed@example.test", email_verified: false });
    const { session } = await companySignIn("ada-corp");
    expect(await signedInAs(session)).toBe("ada@example.test");
  });

  it("refuses another IdP account with the bound user's verified address", async () => {
    provider.setAccountClaims("eve", { email: "ada@example.test", email_verified: true });
    const { session, landedOn } = await companySignIn("eve");
    expect(landedOn).toContain("error=AccessDenied");
    expect(await signedInAs(session)).toBeNull();
  });

  it("refuses an address with no user here", async () => {
    const { session, landedOn } = await companySignIn("stranger@example.test");
    expect(landedOn).toContain("error=AccessDenied");
    expect(await signedInAs(session)).toBeNull();
  });
});
