import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launchBrowser } from "#tests/support/browser";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import { startTestProvider, type TestProvider } from "#tests/support/oidc-provider";
import { registerCleanup } from "#tests/support/cleanup";
import { HttpSession } from "#tests/support/http-session";
import { registerConnectedApp } from "#tests/support/register-connected-app";
import { healthAtBothWidths, watchedPage } from "#tests/support/page-checks";

/**
 * A signed-out visitor who follows a link into the app (a page, Connect, a
 * download) signs in and lands where the link pointed, never on another
 * site; scripts without a session still get JSON 401.
 */

let app: AppServer;
let provider: TestProvider;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const PASSWORD = "a long passphrase";
const ids = { app: "", account: "", message: "" };

beforeAll(async () => {
  provider = await startTestProvider();
  registerCleanup(() => provider.close());
  app = await startAppServer({ env: { INSECURE_OAUTH_HOSTS: "127.0.0.1" } });
  await app.createFirstAdmin("ada@example.test", PASSWORD);
  const ada = new HttpSession(app.url);
  await ada.signIn("ada@example.test", PASSWORD);
  const uma = (await (await ada.request("/api/v1/users", { method: "POST", json: { email: "uma@example.test", password: PASSWORD, role: "user" } })).json()) as { id: string };
  ids.app = (await registerConnectedApp(ada, provider, { providerName: "Test IdP", clientId: "back-client", scopes: ["openid", "email"] })).id;

  // A received message in a mailbox of uma's, to download.
  const database = new pg.Client({ connectionString: app.databaseUrl });
  await database.connect();
  ids.account = randomUUID();
  ids.message = randomUUID();
  await database.query(
    `INSERT INTO email_accounts (id, owner_id, email_address, auth_method, imap_host, imap_port, imap_security, imap_login, smtp_host, smtp_port, smtp_security, smtp_login, updated_at)
     VALUES ($1, $2, 'uma@example.test', 'password', 'imap.example.test', 993, 'tls', 'uma', 'smtp.example.test', 465, 'tls', 'uma', now())`,
    [ids.account, uma.id],
  );
  await database.query(`INSERT INTO inbound_messages (id, email_account_id, folder, uid_validity, uid, size, raw, subject) VALUES ($1, $2, 'INBOX', 1, 1, 30, $3, 'Hello')`, [
    ids.message,
    ids.account,
    Buffer.from("Subject: Hello\r\n\r\nThe body.\r\n"),
  ]);
  await database.end();

  browser = await launchBrowser();
  registerCleanup(() => browser.close());
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.context.clearCookies();
});

async function signInOnThePage() {
  await page.fill("#email", "uma@example.test");
  await page.fill("#password", PASSWORD);
  await page.click("button:text('Sign in')");
}

describe("a signed-out visitor", () => {
  it("signs in and comes back to the page they asked for, query included", async () => {
    await browser.context.clearCookies();
    const wanted = `/email-accounts/${ids.account}/messages?folder=INBOX`;
    await page.goto(`${app.url}${wanted}`);
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(new URL(page.url()).searchParams.get("next")).toBe(wanted);
    await signInOnThePage();
    await page.waitForURL(`${app.url}${wanted}`);
    expect(await page.innerText("main")).toContain("Hello");
  });

  it("signs in from a Connect link and goes on to the provider", async () => {
    await browser.context.clearCookies();
    await page.goto(`${app.url}/api/v1/connected-apps/${ids.app}/connect?successUri=/connections`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await signInOnThePage();
    // Back at Connect, now signed in: on to the provider's consent (its login form here).
    await page.waitForURL((url) => url.origin === new URL(provider.discoveryUrl).origin);
  });

  it("signs in from a download link and gets the file", async () => {
    await browser.context.clearCookies();
    await page.goto(`${app.url}/api/v1/messages/${ids.message}/raw`);
    expect(new URL(page.url()).pathname).toBe("/login");
    const download = page.waitForEvent("download");
    await signInOnThePage();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`${ids.message}.eml`);
    expect(readFileSync(await file.path(), "utf8")).toContain("The body.");
  });

  it("is never sent to another site after signing in", async () => {
    for (const next of ["//evil.example/x", "/\\evil.example", "https://evil.example/"]) {
      await browser.context.clearCookies();
      await page.goto(`${app.url}/login?${new URLSearchParams({ next })}`);
      await signInOnThePage();
      await page.waitForURL(`${app.url}/`);
    }
  });
});

describe("the sign-in page", () => {
  it("passes the checks of every page at 390 and 1280 px", async () => {
    await browser.context.clearCookies();
    const { page: checked, problems } = await watchedPage(browser.context);
    const healthy = { overflow: 0, widest: [], violations: [], problems: [] };
    expect(await healthAtBothWidths(checked, problems, `${app.url}/login?next=/connections`)).toEqual({ phone: healthy, desktop: healthy });
    expect(await checked.title()).toBe("Sign in · Connected Apps");
  });
});

describe("a script without a session", () => {
  it("still gets JSON 401 from the same links", async () => {
    for (const path of [`/api/v1/connected-apps/${ids.app}/connect`, `/api/v1/messages/${ids.message}/raw`]) {
      const response = await fetch(`${app.url}${path}`, { redirect: "manual" });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
  });
});
