import { randomBytes } from "node:crypto";
import { ImapFlow } from "imapflow";
import { simpleParser } from "mailparser";
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
import { DESKTOP, healthAtBothWidths, watchedPage, type PageProblems } from "#tests/support/page-checks";

/**
 * Mail as a user meets it, in Chromium against the production build, with a
 * real Dovecot, SMTP server and worker: writing with files, Bcc, reply all
 * and forward; the Sent list with its delivery in words, Retry now and
 * Cancel; the message list with previews, unread marks kept in step with
 * the server, search and paging; remote images on request; every page at a
 * phone's width and a laptop's.
 */

let app: AppServer;
let provider: TestProvider;
let dovecot: TestDovecot;
let smtp: TestSmtpServer;
let page: Page;
let problems: PageProblems;
let uma: HttpSession;
let accountId = "";
let appId = "";
const ADDRESS = "uma@example.test";
const HEALTHY = { overflow: 0, widest: [], violations: [], problems: [] };

function letter(fields: { subject: string; from?: string; id?: string; body?: string; to?: string; cc?: string; extra?: string }): string {
  return [
    `From: ${fields.from ?? "Sam Sender <sam@example.test>"}`,
    `To: ${fields.to ?? ADDRESS}`,
    ...(fields.cc ? [`Cc: ${fields.cc}`] : []),
    `Subject: ${fields.subject}`,
    `Message-ID: <${fields.id ?? randomBytes(6).toString("hex")}@example.test>`,
    `Date: ${new Date().toUTCString()}`,
    ...(fields.extra ? [fields.extra] : []),
    "",
    fields.body ?? `The body of ${fields.subject}.`,
    "",
  ].join("\r\n");
}

async function messagesOnPage(): Promise<string[]> {
  return page.locator("[data-testid=message-row] a").allInnerTexts();
}

/** Waits until the worker has stored `count` messages of the account. */
async function synced(count: number) {
  for (let attempt = 0; attempt < 120; attempt++) {
    const listed = (await (await uma.request(`/api/v1/email-accounts/${accountId}/messages?limit=200`)).json()) as { items: unknown[]; nextCursor: string | null };
    if (listed.items.length >= count || listed.nextCursor) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`fewer than ${count} messages synced`);
}

async function messageIdBySubject(subject: string): Promise<string> {
  const listed = (await (await uma.request(`/api/v1/email-accounts/${accountId}/messages?search=${encodeURIComponent(subject)}`)).json()) as { items: { id: string }[] };
  return listed.items[0]!.id;
}

beforeAll(async () => {
  ({ provider, dovecot, smtp } = await startMailServers());
  app = await startAppServer({ env: { INSECURE_OAUTH_HOSTS: "127.0.0.1" } });
  const admin = new HttpSession(app.url);
  await app.createFirstAdmin("ada@example.test", "a long passphrase");
  await admin.signIn("ada@example.test", "a long passphrase");
  await admin.request("/api/v1/users", { method: "POST", json: { email: ADDRESS, password: "umas passphrase", role: "user" } });
  appId = (await registerConnectedApp(admin, provider, { providerName: "Mail IdP", clientId: "mail-ui", scopes: ["openid", "email", "offline_access"] })).id;

  uma = new HttpSession(app.url);
  await uma.signIn(ADDRESS, "umas passphrase");
  const start = await uma.request(`/api/v1/connected-apps/${appId}/connect?successUri=/connections`);
  const callback = new URL(await provider.authorizeHeadless(start.headers.get("location")!, { login: ADDRESS }));
  expect((await uma.request(callback.pathname + callback.search)).status).toBe(302);

  // A mailbox with a message that has a file and a remote image, one sent to several people, and 230 more.
  await dovecot.deliver(
    ADDRESS,
    [
      "From: Olga <olga@example.test>",
      `To: ${ADDRESS}`,
      "Subject: Quarterly figures",
      "Message-ID: <figures@example.test>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="b1"',
      "",
      "--b1",
      "Content-Type: text/html; charset=utf-8",
      "",
      '<p>See the chart: <img src="https://images.example.test/chart.png" alt="chart"></p>',
      "--b1",
      'Content-Type: application/pdf; name="figures.pdf"',
      'Content-Disposition: attachment; filename="figures.pdf"',
      "Content-Transfer-Encoding: base64",
      "",
      Buffer.from("%PDF-1.4 the figures").toString("base64"),
      "--b1--",
      "",
    ].join("\r\n"),
  );
  await dovecot.deliver(ADDRESS, letter({ subject: "Team lunch", id: "lunch", to: `${ADDRESS}, Bob <bob@example.test>`, cc: "carol@example.test" }));
  await dovecot.deliverMany(
    ADDRESS,
    Array.from({ length: 230 }, (_, index) => letter({ subject: `Report ${String(index).padStart(3, "0")}`, from: index % 10 === 0 ? "Acme Billing <billing@acme.example>" : undefined })),
  );

  const account = (await (
    await uma.request("/api/v1/email-accounts", {
      method: "POST",
      json: {
        emailAddress: ADDRESS,
        displayName: "Uma",
        authMethod: "oauth",
        connectedAppId: appId,
        imap: { host: "127.0.0.1", port: dovecot.port, security: "none", login: ADDRESS },
        smtp: { host: "127.0.0.1", port: smtp.port, security: "none", login: ADDRESS },
      },
    })
  ).json()) as { id: string };
  accountId = account.id;
  await startWorkerEntry(app);
  await synced(232);

  const browser = await launchBrowser();
  registerCleanup(() => browser.close());
  ({ page, problems } = await watchedPage(browser.context));
  await browser.context.addCookies(
    uma
      .cookieHeader()
      .split("; ")
      .map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1), url: app.url })),
  );
});

describe("the message list", () => {
  it("shows sender, subject, the first words, files and unread marks, and pages on the server", async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto(`${app.url}/email-accounts/${accountId}/messages`);
    expect(await page.locator("[data-testid=message-row]").count()).toBe(50);
    expect(await page.locator("[data-testid=message-row][data-unread]").count()).toBe(50);
    // Page after page, newest first: 232 messages, each once.
    const all = await messagesOnPage();
    while ((await page.locator("a:text('Next page')").count()) > 0) {
      const next = await page.getAttribute("a:text('Next page')", "href");
      await page.click("a:text('Next page')");
      await page.waitForURL(`${app.url}${next}`);
      all.push(...(await messagesOnPage()));
    }
    expect(all).toHaveLength(232);
    expect(new Set(all).size).toBe(232);
    expect(all.slice(0, 2)).toEqual(["Report 229", "Report 228"]);
    expect(all.slice(-2)).toEqual(["Team lunch", "Quarterly figures"]);
    const figures = page.locator("[data-testid=message-row]", { hasText: "Quarterly figures" });
    expect(await figures.innerText()).toContain("See the chart:");
    expect(await figures.locator("svg[role=img]").getAttribute("aria-label")).toBe("1 file");
  });

  it("finds messages by sender or subject, every word, and says when nothing matches", async () => {
    await page.goto(`${app.url}/email-accounts/${accountId}/messages`);
    await page.fill("#search", "acme");
    await page.click("button:text('Search')");
    await page.waitForURL(/search=acme/);
    expect(await page.locator("[data-testid=message-row]").count()).toBe(23);
    await page.fill("#search", "acme report 120");
    await page.click("button:text('Search')");
    await page.waitForURL(/search=acme\+report\+120/);
    expect(await messagesOnPage()).toEqual(["Report 120"]);
    // Unread only: the lunch message opened below is not among them later; here all 23 are unread.
    await page.goto(`${app.url}/email-accounts/${accountId}/messages?search=acme&unread=1`);
    expect(await page.locator("[data-testid=message-row]").count()).toBe(23);
    // An edited link's cursor is named and left out, not an error page.
    await page.goto(`${app.url}/email-accounts/${accountId}/messages?cursor=not-a-cursor`);
    expect(await page.innerText("[data-testid=ignored-filters]")).toContain("cursor");
    expect(await page.locator("[data-testid=message-row]").count()).toBe(50);
    await page.goto(`${app.url}/email-accounts/${accountId}/messages?search=${encodeURIComponent("100%")}`);
    expect(await page.innerText("[data-testid=no-messages]")).toBe("No message in this folder matches.");
  });

  it("marks a message read when opened here, and follows the server's \\Seen flag both ways", async () => {
    const lunch = await messageIdBySubject("Team lunch");
    await page.goto(`${app.url}/messages/${lunch}`);
    await page.goto(`${app.url}/email-accounts/${accountId}/messages?search=lunch`);
    expect(await page.locator("[data-testid=message-row][data-unread]").count()).toBe(0);

    // Read in another mail client: the flag comes over while the worker IDLEs.
    const { accessToken } = (await (await uma.request(`/api/v1/connected-apps/${appId}/token`)).json()) as { accessToken: string };
    const client = new ImapFlow({ host: "127.0.0.1", port: dovecot.port, secure: false, auth: { user: ADDRESS, accessToken }, logger: false });
    await client.connect();
    try {
      await client.mailboxOpen("INBOX");
      const [report] = (await client.search({ header: { subject: "Report 007" } }, { uid: true })) || [];
      await client.messageFlagsAdd(String(report), ["\\Seen"], { uid: true });
      const isUnread = async () => {
        const listed = (await (await uma.request(`/api/v1/email-accounts/${accountId}/messages?search=${encodeURIComponent("Report 007")}`)).json()) as { items: { seen: boolean }[] };
        return !listed.items[0]!.seen;
      };
      for (let attempt = 0; attempt < 40 && (await isUnread()); attempt++) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await isUnread()).toBe(false);
      await client.messageFlagsRemove(String(report), ["\\Seen"], { uid: true });
      for (let attempt = 0; attempt < 40 && !(await isUnread()); attempt++) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await isUnread()).toBe(true);
    } finally {
      await client.logout();
    }
  });
});

describe("a received message", () => {
  it("blocks remote images until asked, then shows them for that message only", async () => {
    await page.goto(`${app.url}/messages/${await messageIdBySubject("Quarterly figures")}`);
    expect(await page.innerText("[data-testid=remote-images]")).toContain("1 remote image blocked");
    expect(await page.frameLocator("iframe[title=Message]").locator("img").getAttribute("src")).toBeNull();
    await page.click("a:text('Show remote images')");
    await page.waitForURL(/images=remote/);
    expect(await page.frameLocator("iframe[title=Message]").locator("img").getAttribute("src")).toBe("https://images.example.test/chart.png");
    expect(await page.innerText("[data-testid=attachments]")).toMatch(/figures\.pdf\s+20 bytes · application\/pdf/);
  });

  it("answers everyone with Reply all, leaving out the account's own address", async () => {
    await page.goto(`${app.url}/messages/${await messageIdBySubject("Team lunch")}`);
    await page.click("a:text-is('Reply all')");
    expect(await page.inputValue("#to")).toBe("sam@example.test");
    expect(await page.inputValue("#cc")).toBe("bob@example.test, carol@example.test");
    expect(await page.inputValue("#subject")).toBe("Re: Team lunch");
  });

  it("forwards with the original's file, sent byte for byte", async () => {
    await page.goto(`${app.url}/messages/${await messageIdBySubject("Quarterly figures")}`);
    await page.click("a:text-is('Forward')");
    expect(await page.inputValue("#subject")).toBe("Fwd: Quarterly figures");
    expect(await page.innerText("[data-testid=compose-files]")).toContain("figures.pdf");
    await page.fill("#to", "dan@example.test");
    const before = smtp.messages.length;
    await page.click("button:text-is('Send')");
    await page.waitForURL(/\/sent\?queued=/);
    const [sent] = (await smtp.waitForMessages(before + 1, 20_000)).slice(before);
    const parsed = await simpleParser(sent!.raw);
    expect(parsed.attachments.map((file) => [file.filename, file.content.toString()])).toEqual([["figures.pdf", "%PDF-1.4 the figures"]]);
    expect(parsed.text).toContain("---------- Forwarded message ----------");
  });
});

describe("writing a message", () => {
  it("says what is wrong next to the field, in words", async () => {
    await page.goto(`${app.url}/email-accounts/${accountId}/compose`);
    await page.fill("#to", "sam@example.test, not-an-address");
    await page.fill("#subject", "Checking");
    await page.fill("#text", "Hello");
    await page.click("button:text-is('Send')");
    expect(await page.innerText("[data-testid=field-error-to]")).toBe("To, address 2: must be an email address.");
    expect(await page.getAttribute("#to", "aria-invalid")).toBe("true");
    expect(await page.innerText("[role=alert]")).toBe("Check the fields marked below.");
  });

  it("sends files picked here (several, one of 2 MB) with Bcc, and the Sent list says it was delivered", async () => {
    const big = randomBytes(2 * 1024 * 1024);
    await page.goto(`${app.url}/email-accounts/${accountId}/compose`);
    await page.fill("#to", "erin@example.test");
    await page.click("button:text('Add Bcc')");
    await page.fill("#bcc", "archive@example.test");
    await page.fill("#subject", "The files");
    await page.fill("#text", "Both attached.");
    await page.setInputFiles("#files", [
      { name: "big.bin", mimeType: "application/octet-stream", buffer: big },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("first notes") },
      { name: "drop-me.txt", mimeType: "text/plain", buffer: Buffer.from("not this one") },
    ]);
    await page.click("button[aria-label='Remove drop-me.txt']");
    expect(await page.innerText("[data-testid=compose-files]")).toMatch(/big\.bin\s+2\.0 MB[\s\S]*notes\.txt\s+11 bytes/);
    const before = smtp.messages.length;
    await page.click("button:text-is('Send')");
    await page.waitForURL(/\/sent\?queued=/);
    expect(await page.innerText("[data-testid=queued-banner]")).toContain("“The files” is on its way");
    const row = page.locator("[data-testid=sent-row]", { hasText: "The files" });
    await row.locator("[data-testid=delivery]", { hasText: "Delivered to" }).waitFor({ timeout: 30_000 });
    expect(await row.locator("[data-testid=delivery]").innerText()).toBe("Delivered to erin@example.test, archive@example.test");
    expect(await row.innerText()).toContain("Bcc archive@example.test");

    const [sent] = (await smtp.waitForMessages(before + 1, 20_000)).slice(before);
    expect(sent!.envelope.to.sort()).toEqual(["archive@example.test", "erin@example.test"]);
    expect(sent!.raw.toString()).not.toMatch(/^Bcc:/im);
    const parsed = await simpleParser(sent!.raw);
    expect(parsed.attachments.map((file) => file.filename)).toEqual(["big.bin", "notes.txt"]);
    expect(parsed.attachments[0]!.content.equals(big)).toBe(true);

    // The worker then files a copy in the mailbox's Sent folder, as a mail client would.
    const id = new URL(page.url()).searchParams.get("queued")!;
    let copy: { at: string | null; error: string | null } = { at: null, error: null };
    for (let attempt = 0; attempt < 60 && !copy.at && !copy.error; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      ({ sentCopy: copy } = (await (await uma.request(`/api/v1/outbound/${id}`)).json()) as { sentCopy: typeof copy });
    }
    expect(copy).toEqual({ at: expect.any(String), error: null });
  });
});

describe("the Sent list", () => {
  it("explains a refusal in words, retries on request, and cancels what waits", async () => {
    smtp.failNext(1, { code: 550, message: "5.1.1 <nobody@example.test>: Recipient address rejected: User unknown", stage: "rcpt" });
    await uma.request(`/api/v1/email-accounts/${accountId}/outbound`, { method: "POST", json: { to: ["nobody@example.test"], subject: "Will bounce", text: "x" } });
    await page.goto(`${app.url}/email-accounts/${accountId}/sent`);
    const row = page.locator(`[data-testid=sent-row]`, { hasText: "Will bounce" });
    await row.locator("[data-testid=delivery]", { hasText: "Failed" }).waitFor({ timeout: 30_000 });
    expect(await row.locator("[data-testid=delivery]").innerText()).toBe("Failed — the address does not exist");
    await row.locator("summary").click();
    expect(await row.innerText()).toContain("Recipient address rejected");

    await row.locator("button:text('Retry now')").click();
    await row.locator("[data-testid=delivery]", { hasText: "Delivered to" }).waitFor({ timeout: 30_000 });

    // Refused for now: it waits for its next try, which Cancel (after asking) calls off.
    smtp.failNext(1, { code: 451, message: "4.3.2 Please try again later", stage: "rcpt" });
    await uma.request(`/api/v1/email-accounts/${accountId}/outbound`, { method: "POST", json: { to: ["later@example.test"], subject: "Wait for it", text: "x" } });
    const waiting = page.locator("[data-testid=sent-row]", { hasText: "Wait for it" });
    await page.reload();
    await waiting.locator("[data-testid=delivery]", { hasText: "Trying again" }).waitFor({ timeout: 30_000 });
    expect(await waiting.locator("[data-testid=delivery]").innerText()).toMatch(/^Trying again for later@example\.test at .+ — the server was busy$/);
    await waiting.locator("button:text-is('Cancel')").click();
    await page.click("[role=dialog] button:text('Cancel the message')");
    await waiting.locator("[data-testid=delivery]", { hasText: "Cancelled" }).waitFor();
    expect(await waiting.locator("[data-testid=delivery]").innerText()).toBe("Cancelled; not sent");
    expect(await waiting.locator("button").count()).toBe(0);
  });
});

describe("the account form", () => {
  it("offers only connected apps, links to Connect for the others, and comes back with that connection chosen", async () => {
    const admin = new HttpSession(app.url);
    await admin.signIn("ada@example.test", "a long passphrase");
    const other = await registerConnectedApp(admin, provider, { providerName: "Other IdP", clientId: "mail-ui-2", scopes: ["openid", "email"] });

    await page.setViewportSize(DESKTOP);
    await page.goto(`${app.url}/email-accounts/new`);
    const otherChoice = page.locator("[data-testid=connection-choice]", { hasText: "Other IdP" });
    expect(await otherChoice.innerText()).toContain("not connected");
    expect(await otherChoice.locator("input[type=radio]").isDisabled()).toBe(true);
    await otherChoice.locator("a:text('Connect first')").click();
    await page.fill("input[name=login]", ADDRESS);
    await page.click("button:text('Sign-in')");
    await page.click("button:text('Continue')");
    await page.waitForURL(`${app.url}/email-accounts/new?app=${other.id}`);
    // Chosen once the page's script runs (hydration), the address filled in from the connection.
    await page.waitForSelector("[data-testid=connection-choice]:has-text('Other IdP') input[type=radio]:checked");
    await expect.poll(() => page.inputValue("#emailAddress")).toBe(ADDRESS);
  });

  it("tests what is on the screen without saving it, then disables, enables and deletes after asking", async () => {
    const spare = (await (
      await uma.request("/api/v1/email-accounts", {
        method: "POST",
        json: {
          emailAddress: ADDRESS,
          displayName: "Spare",
          authMethod: "oauth",
          connectedAppId: appId,
          enableIncoming: false,
          imap: { host: "127.0.0.1", port: dovecot.port, security: "none", login: ADDRESS },
          smtp: { host: "127.0.0.1", port: smtp.port, security: "none", login: ADDRESS },
        },
      })
    ).json()) as { id: string };
    await page.goto(`${app.url}/email-accounts/${spare.id}`);
    await page.click("summary:has-text('Servers')");
    await page.fill("#imap-port", "1");
    await page.click("button:text('Test connection')");
    await page.waitForSelector("[data-testid=connection-test]");
    expect(await page.locator("[data-testid=connection-test] p").first().innerText()).toMatch(/^IMAP: (?!signed in)/);
    await page.reload();
    await page.click("summary:has-text('Servers')");
    expect(await page.inputValue("#imap-port")).toBe(String(dovecot.port));
    // Over the API without a body (as before the form could send one): the saved settings.
    const saved = await uma.request(`/api/v1/email-accounts/${spare.id}/test`, { method: "POST" });
    expect([saved.status, ((await saved.json()) as { imap: { ok: boolean } }).imap.ok]).toEqual([200, true]);

    await page.click("button:text-is('Disable')");
    await page.click("[role=dialog] button:text-is('Disable')");
    await page.waitForSelector("button:text-is('Enable')");
    const disabled = (await (await uma.request(`/api/v1/email-accounts/${spare.id}`)).json()) as { enableIncoming: boolean; enableOutgoing: boolean };
    expect(disabled).toMatchObject({ enableIncoming: false, enableOutgoing: false });
    await page.click("button:text-is('Enable')");
    await page.waitForSelector("button:text-is('Disable')");

    await page.click("button:text-is('Delete')");
    await page.click(`[role=dialog] button:text('Delete ${ADDRESS}')`);
    await page.waitForURL(`${app.url}/email-accounts?deleted=1`);
    expect(await page.innerText("[role=status]")).toContain("The account was deleted here");
    expect((await uma.request(`/api/v1/email-accounts/${spare.id}`)).status).toBe(404);
  });
});

describe("every mail page", () => {
  it("passes the checks of every page at 390 and 1280 px", async () => {
    const message = await messageIdBySubject("Quarterly figures");
    for (const [path, screenshot] of [
      [`/email-accounts/${accountId}/messages`, "messages"],
      [`/messages/${message}`, "message"],
      [`/email-accounts/${accountId}/compose?forward=${message}`, "forward"],
      [`/email-accounts/${accountId}/sent`, "sent"],
      [`/email-accounts/${accountId}`, "email-account"],
      ["/email-accounts", undefined],
      ["/email-accounts/new", "new-email-account"],
    ] as const) {
      expect({ path, ...(await healthAtBothWidths(page, problems, `${app.url}${path}`, screenshot)) }).toEqual({ path, phone: HEALTHY, desktop: HEALTHY });
    }
  });
});
