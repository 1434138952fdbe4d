import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launchBrowser } from "#tests/support/browser";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import { startTestProvider, type TestProvider } from "#tests/support/oidc-provider";
import { registerCleanup } from "#tests/support/cleanup";
import { HttpSession } from "#tests/support/http-session";

let app: AppServer;
let provider: TestProvider;
let page: Page;

beforeAll(async () => {
  provider = await startTestProvider();
  registerCleanup(() => provider.close());
  app = await startAppServer({ env: { INSECURE_OAUTH_HOSTS: "127.0.0.1" } });
  const setup = new HttpSession(app.url);
  await app.createFirstAdmin("ada@example.test", "a long passphrase");
  await setup.signIn("ada@example.test", "a long passphrase");
  await setup.request("/api/v1/users", {
    method: "POST",
    json: { email: "uma@example.test", password: "umas passphrase", role: "user" },
  });
  const browser = await launchBrowser();
  registerCleanup(() => browser.close());
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
  page = await browser.context.newPage();
});

async function signIn(email: string, password: string) {
  await page.goto(`${app.url}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
  await page.waitForSelector("h1:text('Dashboard')");
}

describe("a Connected App set up in the provider's order, then Connect to … in Chromium", () => {
  let appId: string;

  it("creates the app by its name, shows the Redirect URI to copy, then takes the client id and secret the provider gave", async () => {
    await signIn("ada@example.test", "a long passphrase");
    await page.goto(`${app.url}/admin/connected-apps/new`);
    await page.check("input[name=preset][value=generic]");
    await page.fill("#providerName", "Test IdP");
    await page.click("button[type=submit]");
    await page.waitForURL(/\/admin\/connected-apps\/[0-9a-f-]{36}\?created=1$/);
    appId = new URL(page.url()).pathname.split("/").at(-1)!;
    expect(await page.textContent("[data-testid=app-created]")).toContain("Test IdP was created.");
    expect(await page.textContent("[data-testid=app-status]")).toBe("incomplete");
    expect(await page.textContent("[data-testid=app-missing]")).toContain("a client id");

    // Copy the Redirect URI as the admin would, and register it at the provider (as in Entra's "Register an application").
    await page.click("button[aria-label='Copy Redirect URI']");
    const redirectUri = await page.evaluate(() => navigator.clipboard.readText());
    expect(redirectUri).toBe(`${app.url}/api/oauth/callback/${appId}`);
    await provider.addClient({ clientId: "e2e-client", clientSecret: "e2e-client-secret-value", redirectUris: [redirectUri] });

    // Back with what the provider gave: its discovery URL, the client id and the secret.
    await page.fill("#openidConfigurationUrl", provider.discoveryUrl);
    await page.click("button:text('Get OpenID Configuration')");
    await page.waitForSelector("p.notice");
    expect(await page.inputValue("#issuer")).toBe(provider.issuer);
    expect(await page.inputValue("#tokenUri")).toBe(`${provider.issuer}/token`);
    await page.fill("#clientId", "e2e-client");
    await page.fill("#clientSecret", "e2e-client-secret-value");
    await page.fill("#new-scope", "offline_access");
    await page.click("button:text('Add scope')");
    await page.click("button:text('Save')");
    await page.waitForSelector("p.notice:text('Saved.')");
    await page.waitForSelector("[data-testid=app-status]:text('ready')");
    expect(await page.content()).not.toContain("e2e-client-secret-value");

    // Check this app: the provider accepts the client id and secret.
    await page.click("button:text('Check this app')");
    await page.waitForSelector("[data-testid=app-checks]");
    expect(await page.$$eval("[data-testid=app-checks] li[data-result=failed]", (items) => items.map((item) => item.textContent))).toEqual([]);
    expect(await page.textContent("[data-testid=app-checks]")).toContain("accepted");
  });

  it("lets a user connect: consent at the provider, back to My connections, connected", async () => {
    await page.click("text=Sign out");
    await page.waitForURL(`${app.url}/login`);
    await signIn("uma@example.test", "umas passphrase");
    await page.goto(`${app.url}/connections`);
    await page.click("text=Connect to Test IdP");
    await page.waitForSelector("input[name=login]");
    expect(page.url().startsWith(provider.issuer)).toBe(true);
    await page.fill("input[name=login]", "uma@example.test");
    await page.click("button:text('Sign-in')");
    await page.click("button:text('Continue')");
    await page.waitForURL(`${app.url}/connections`);
    expect(await page.textContent("[data-testid=connection-status]")).toBe("connected");
    expect(await page.textContent("[data-testid=provider-account]")).toBe("uma@example.test");
  });

  it("shows what happened when the user cancels at the provider", async () => {
    await page.click("text=Reconnect");
    // The provider remembers the sign-in: it may go straight to the consent page.
    const first = await page.waitForSelector("input[name=login], button:text('Cancel')");
    if ((await first.getAttribute("name")) === "login") {
      await page.fill("input[name=login]", "uma@example.test");
      await page.click("button:text('Sign-in')");
    }
    await page.click("button:text('Cancel')");
    await page.waitForSelector("[data-testid=connection-error]");
    expect(await page.textContent("[data-testid=connection-error]")).toContain("The consent was declined");
    // The earlier connection is untouched.
    expect(await page.textContent("[data-testid=connection-status]")).toBe("connected");
  });

  it("disconnects from the page", async () => {
    await page.click("button:text('Disconnect')");
    // The confirmation is a dialog of the page (Radix), not the browser's own.
    await page.click("[role=dialog] button:text('Disconnect')");
    await page.waitForSelector("[data-testid=disconnect-notice]");
    expect(await page.textContent("[data-testid=disconnect-notice]")).toBe("Disconnected, and Test IdP revoked this app's access.");
    await page.waitForSelector("text=Connect to Test IdP");
    expect(await page.textContent("[data-testid=connection-status]")).toBe("disconnected");
  });

  it("does not start a flow for a link on another site: the user confirms on this site first", async () => {
    // A hostile page on another site (localhost is another site than 127.0.0.1) that sends the browser to Connect.
    const connectUrl = `${app.url}/api/v1/connected-apps/${appId}/connect?successUri=/connections`;
    const hostile = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html" });
      response.end(`<!doctype html><title>Free prize</title><script>location.href = ${JSON.stringify(connectUrl)};</script>`);
    });
    await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", () => resolve()));
    registerCleanup(() => new Promise<void>((resolve) => hostile.close(() => resolve())));
    const hostileUrl = `http://localhost:${(hostile.address() as AddressInfo).port}/`;

    const toProvider: string[] = [];
    const watch = (request: { url(): string }) => {
      if (request.url().startsWith(provider.issuer)) toProvider.push(request.url());
    };
    page.on("request", watch);
    try {
      await page.goto(hostileUrl);
      await page.waitForURL(new RegExp(`/connections/connect/${appId}`));
      expect(await page.textContent("h1")).toBe("Connect to Test IdP?");
      expect(toProvider).toEqual([]);
      expect(await connectionStatus()).toBe("disconnected");

      // The button on this site is the user's deliberate act: the flow starts.
      await page.click("[data-testid=confirm-connect]");
      await page.waitForURL((url) => url.toString().startsWith(provider.issuer));
      expect(toProvider.length).toBeGreaterThan(0);
    } finally {
      page.off("request", watch);
    }
  });

  it("shows in its alert only what the server recorded, never text from the link", async () => {
    await page.goto(
      `${app.url}/connections?${new URLSearchParams({ error: "provider_error", provider_error: "Your account is suspended - call +1 555 0100", aadsts: "50011", app: appId })}`,
    );
    const alert = await page.textContent("[data-testid=connection-error]");
    expect(alert).toContain("Connecting to Test IdP failed.");
    expect(alert).not.toContain("suspended");
    expect(alert).not.toContain("555");
    expect(alert).not.toContain("AADSTS");
  });
});

/** The user's connection status as the API reports it. */
async function connectionStatus(): Promise<string | undefined> {
  const session = new HttpSession(app.url);
  await session.signIn("uma@example.test", "umas passphrase");
  const { items } = (await (await session.request("/api/v1/connections")).json()) as { items: { status: string }[] };
  return items[0]?.status;
}
