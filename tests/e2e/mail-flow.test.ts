import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { launchBrowser } from "#tests/support/browser";
import { startAppServer, type AppServer } from "#tests/support/app-server";
import type { TestProvider } from "#tests/support/oidc-provider";
import type { TestDovecot } from "#tests/support/dovecot";
import { startMailServers } from "#tests/support/mail-servers";
import type { TestSmtpServer } from "#tests/support/smtp-server";
import { startWorkerEntry } from "#tests/support/worker-entry";
import { registerCleanup } from "#tests/support/cleanup";
import { HttpSession } from "#tests/support/http-session";
import { registerConnectedApp } from "#tests/support/register-connected-app";

let app: AppServer;
let provider: TestProvider;
let dovecot: TestDovecot;
let smtp: TestSmtpServer;
let page: Page;

beforeAll(async () => {
  ({ provider, dovecot, smtp } = await startMailServers());
  app = await startAppServer({ env: { INSECURE_OAUTH_HOSTS: "127.0.0.1" } });

  const admin = new HttpSession(app.url);
  await app.createFirstAdmin("ada@example.test", "a long passphrase");
  await admin.signIn("ada@example.test", "a long passphrase");
  await admin.request("/api/v1/users", { method: "POST", json: { email: "uma@example.test", password: "umas passphrase", role: "user" } });
  await registerConnectedApp(admin, provider, { providerName: "Mail IdP", clientId: "mail-e2e", scopes: ["openid", "email", "offline_access"] });
  await startWorkerEntry(app);

  const browser = await launchBrowser();
  registerCleanup(() => browser.close());
  page = await browser.context.newPage();
});

describe("mail in Chromium: connect, add the account, read a message, reply", () => {
  it("connects the user's account at the provider", async () => {
    await page.goto(`${app.url}/login`);
    await page.fill("#email", "uma@example.test");
    await page.fill("#password", "umas passphrase");
    await page.click("button[type=submit]");
    await page.waitForSelector("h1:text('Dashboard')");
    await page.goto(`${app.url}/connections`);
    await page.click("text=Connect to Mail IdP");
    await page.fill("input[name=login]", "uma@example.test");
    await page.click("button:text('Sign-in')");
    await page.click("button:text('Continue')");
    await page.waitForURL(`${app.url}/connections`);
    expect(await page.textContent("[data-testid=connection-status]")).toBe("connected");
  });

  it("creates the email account on that connection", async () => {
    await dovecot.deliver("uma@example.test", "From: Sam <sam@example.test>\r\nTo: uma@example.test\r\nSubject: Welcome\r\nMessage-ID: <welcome@example.test>\r\n\r\nHello Uma.\r\n");
    await page.goto(`${app.url}/email-accounts/new`);
    // The form starts from the connection: choosing it fills in the address it signed in as.
    await page.check("[data-testid=connection-choice]:has-text('Mail IdP') input[type=radio]");
    await expect.poll(() => page.inputValue("#emailAddress")).toBe("uma@example.test");
    await page.fill("#displayName", "Uma");
    // A generic provider has no preset servers: the Servers section is open to fill in.
    await page.fill("#imap-host", "127.0.0.1");
    await page.fill("#imap-port", String(dovecot.port));
    await page.selectOption("#imap-security", "none");
    await page.fill("#smtp-host", "127.0.0.1");
    await page.fill("#smtp-port", String(smtp.port));
    await page.selectOption("#smtp-security", "none");
    await page.click("button:text('Test connection')");
    await page.waitForSelector("[data-testid=connection-test]");
    expect(await page.locator("[data-testid=connection-test] p").allTextContents()).toEqual([
      "IMAP: signed in",
      "SMTP: signed in",
      "The server's folders are listed under Advanced settings.",
    ]);
    // The server's folders to choose from, INBOX already chosen.
    await page.click("summary:text('Advanced settings')");
    expect(await page.isChecked("label:has-text('INBOX') input[type=checkbox]")).toBe(true);
    expect(await page.isChecked("label:has-text('Sent') input[type=checkbox]")).toBe(false);
    await page.click("button:text('Create')");
    await page.waitForURL(/\/email-accounts\/[0-9a-f-]{36}\?created=1$/);
    expect(await page.innerText("[role=status]")).toContain("Account added.");
  });

  it("shows the message once the worker synced it, and sends a threaded reply", async () => {
    await page.click("a:text('Messages')");
    for (let attempt = 0; attempt < 60 && (await page.locator("[data-testid=message-row]").count()) === 0; attempt++) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    await page.click("a:text('Welcome')");
    expect(await page.textContent("[data-testid=message-subject]")).toBe("Welcome");
    expect(await page.textContent("[data-testid=message-text]")).toContain("Hello Uma.");

    await page.click("a:text-is('Reply')");
    expect(await page.inputValue("#to")).toBe("sam@example.test");
    expect(await page.inputValue("#subject")).toBe("Re: Welcome");
    await page.fill("#text", "Thanks, Sam!");
    await page.click("button:text-is('Send')");
    // The account's Sent list follows the delivery.
    await page.waitForURL(/\/sent\?queued=/);
    await page.waitForSelector("[data-testid=delivery]:text('Delivered to sam@example.test')", { timeout: 60_000 });

    const [sent] = await smtp.waitForMessages(1, 10_000);
    const raw = sent!.raw.toString();
    expect(sent!.envelope.to).toEqual(["sam@example.test"]);
    expect(raw).toMatch(/^In-Reply-To: <welcome@example\.test>/m);
    expect(raw).toMatch(/^References: <welcome@example\.test>/m);
    expect(raw).toMatch(/^From: (Uma )?<?uma@example\.test>?/m);
  });

  it("shows the default-outgoing switch to admins only, and an admin's tick is saved", async () => {
    await page.goto(`${app.url}/email-accounts`);
    await page.click("a:text('uma@example.test')");
    await page.waitForURL(/\/email-accounts\/[0-9a-f-]{36}$/);
    const accountUrl = page.url();
    await page.waitForSelector("button:text('Save')");
    expect(await page.locator("text=Default outgoing account").count()).toBe(0);

    await page.context().clearCookies();
    await page.goto(`${app.url}/login`);
    await page.fill("#email", "ada@example.test");
    await page.fill("#password", "a long passphrase");
    await page.click("button[type=submit]");
    await page.waitForSelector("h1:text('Dashboard')");
    await page.goto(accountUrl);
    await page.click("summary:text('Advanced settings')");
    await page.check("label:has-text('Default outgoing account') input[type=checkbox]");
    await page.click("button:text('Save')");
    await page.waitForSelector("[role=status]:text('Saved.')");

    const admin = new HttpSession(app.url);
    await admin.signIn("ada@example.test", "a long passphrase");
    const saved = (await (await admin.request(`/api/v1/email-accounts/${accountUrl.split("/").pop()}`)).json()) as { isDefaultOutgoing: boolean; displayName: string };
    expect(saved).toMatchObject({ isDefaultOutgoing: true, displayName: "Uma" });
  });
});
