import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "#tests/support/browser";
import { startAppServer, type AppServer } from "#tests/support/app-server";

let app: AppServer;
let appUrl: string;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  app = await startAppServer();
  appUrl = app.url;
  browser = await launchBrowser();
  context = browser.context;
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
});

async function signIn(email: string, password: string) {
  await page.goto(`${appUrl}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
}

async function signOut() {
  await page.click("text=Sign out");
  await page.waitForURL(`${appUrl}/login`);
}

describe("a fresh install in the browser", () => {
  it("sends the first visitor to create the first admin, then to the dashboard", async () => {
    await page.goto(appUrl);
    expect(new URL(page.url()).pathname).toBe("/setup");
    // Without the code the server printed, nobody gets the install.
    await page.fill("#setupCode", "AAAA-BBBB-CCCC");
    await page.fill("#name", "Ada Admin");
    await page.fill("#email", "ada@example.test");
    await page.fill("#password", "correct horse battery");
    await page.fill("#confirm", "correct horse battery");
    await page.click("button[type=submit]");
    await page.waitForSelector("form p.error");
    expect(await page.textContent("form p.error")).toContain("not the setup code");
    await page.fill("#setupCode", (await app.setupCode()).toLowerCase());
    await page.fill("#name", "Ada Admin");
    await page.fill("#email", "ada@example.test");
    await page.fill("#password", "correct horse battery");
    await page.fill("#confirm", "correct horse battery");
    await page.click("button[type=submit]");
    await page.waitForSelector("h1:text('Dashboard')");
    expect(await page.textContent("[data-testid=signed-in-as]")).toBe("ada@example.test");
  });

  it("no longer offers the setup page once an admin exists", async () => {
    const response = await page.goto(`${appUrl}/setup`);
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/");
  });

  it("signs out and signs back in", async () => {
    await signOut();
    await signIn("ada@example.test", "wrong password!");
    await page.waitForSelector("p.error");
    expect(await page.textContent("p.error")).toBe("Wrong email or password");
    await signIn("ada@example.test", "correct horse battery");
    await page.waitForSelector("h1:text('Dashboard')");
  });

  it("lets the admin add a user, who gets 403 on admin pages", async () => {
    await page.goto(`${appUrl}/admin/users`);
    // A mistake is named next to its field, in words.
    await page.fill("#new-email", "bob@");
    await page.fill("#new-password", "bobs password 1");
    await page.click("button:text('Add user')");
    expect(await page.textContent("[data-testid=field-error-email]")).toMatch(/^Email: .+\.$/);
    await page.fill("#new-email", "bob@example.test");
    await page.fill("#new-name", "Bob");
    await page.click("button:text('Add user')");
    expect(await page.textContent("[data-testid=user-added]")).toBe("Added bob@example.test: they can sign in now with that password.");
    await page.waitForSelector("td:has-text('bob@example.test')");
    await signOut();

    await signIn("bob@example.test", "bobs password 1");
    await page.waitForSelector("h1:text('Dashboard')");
    const response = await page.goto(`${appUrl}/admin/users`);
    expect(response?.status()).toBe(403);
    expect(await page.textContent("h1")).toContain("403");
  });
});
